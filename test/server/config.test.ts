// Proves that zoo.cfg files are read the way ZooKeeper reads them: its keys and defaults,
// Java properties syntax, `zookeeper.`-prefixed spellings, server.N specs, and that wrong
// values are refused with their line number while unknown keys only warn.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ConfigError,
  defaultConfig,
  parseProperties,
  parseZooCfg,
} from "../../src/server/config.js";
import { ensembleIdentity, peerTypeMismatch } from "../../src/server/ensemble-config.js";
import {
  effectiveStoreType,
  enabledProtocols,
  javaCipherSuiteToOpenSsl,
} from "../../src/server/ssl-config.js";

test("a typical standalone zoo.cfg", () => {
  const { config, warnings } = parseZooCfg(
    [
      "# The number of milliseconds of each tick",
      "tickTime=1000",
      "dataDir=/var/lib/zookeeper",
      "clientPort=2182",
      "clientPortAddress=127.0.0.1",
      "maxClientCnxns=10",
      "4lw.commands.whitelist=ruok, stat ,mntr",
      "autopurge.snapRetainCount=5",
      "autopurge.purgeInterval=1",
      "zookeeper.extendedTypesEnabled=true",
      "snapCount=5000",
    ].join("\n"),
  );
  assert.deepEqual(warnings, []);
  assert.equal(config.tickTimeMs, 1000);
  assert.equal(config.dataDir, "/var/lib/zookeeper");
  assert.equal(config.dataLogDir, "/var/lib/zookeeper");
  assert.equal(config.clientPort, 2182);
  assert.equal(config.clientPortAddress, "127.0.0.1");
  assert.equal(config.minSessionTimeoutMs, 2000);
  assert.equal(config.maxSessionTimeoutMs, 20000);
  assert.equal(config.maxClientCnxns, 10);
  assert.deepEqual([...(config.fourLetterWords as Set<string>)].sort(), [
    "mntr",
    "ruok",
    "srvr",
    "stat",
  ]);
  assert.equal(config.snapRetainCount, 5);
  assert.equal(config.purgeIntervalHours, 1);
  assert.equal(config.extendedTypesEnabled, true);
  assert.equal(config.snapCount, 5000);
});

test("defaults are ZooKeeper's, with port 2181 and ./data", () => {
  const { config, warnings } = parseZooCfg("");
  assert.deepEqual(config, defaultConfig());
  assert.deepEqual(
    warnings.map((w) => w.message),
    ["clientPort not set; using 2181"],
  );
  assert.equal(config.minSessionTimeoutMs, 4000);
  assert.equal(config.maxSessionTimeoutMs, 40000);
});

test("explicit session timeout bounds and a wildcard whitelist", () => {
  const { config } = parseZooCfg(
    "clientPort=1\nminSessionTimeout=100\nmaxSessionTimeout=200\n4lw.commands.whitelist=*",
  );
  assert.equal(config.minSessionTimeoutMs, 100);
  assert.equal(config.maxSessionTimeoutMs, 200);
  assert.equal(config.fourLetterWords, "*");
});

test("server.N specs of an ensemble", () => {
  const { config } = parseZooCfg(
    [
      "server.2=10.0.0.2:2888:3888;2181",
      "server.1=zk1:2888:3888:participant;0.0.0.0:2181",
      "server.3=zk3:2888:3888:observer",
      "initLimit=5",
      "syncLimit=2",
    ].join("\n"),
  );
  assert.deepEqual(
    config.servers.map((s) => [
      s.id,
      s.host,
      s.peerPort,
      s.electionPort,
      s.role,
      s.clientHost,
      s.clientPort,
    ]),
    [
      [1, "zk1", 2888, 3888, "participant", "0.0.0.0", 2181],
      [2, "10.0.0.2", 2888, 3888, "participant", null, 2181],
      [3, "zk3", 2888, 3888, "observer", null, null],
    ],
  );
  assert.equal(config.initLimit, 5);
  assert.equal(config.syncLimit, 2);
});

test("peerType is read as ZooKeeper reads it, and the member's own server.N line wins", () => {
  const lines = ["server.1=h:1:2", "server.2=h:3:4", "server.3=h:5:6:observer"];
  const observer = parseZooCfg([...lines, "peerType=Observer"].join("\n")).config;
  assert.equal(observer.peerType, "observer");
  assert.deepEqual(
    parseZooCfg([...lines, "peerType=observer"].join("\n")).warnings.map((w) => w.message),
    [],
  );
  assert.equal(peerTypeMismatch(observer, 3), null);
  assert.match(
    peerTypeMismatch(observer, 1) ?? "",
    /peerType=observer disagrees with server\.1, which makes this member a participant; the server\.1 line wins/,
  );
  const participant = parseZooCfg([...lines, "peerType=participant"].join("\n")).config;
  assert.match(peerTypeMismatch(participant, 3) ?? "", /which makes this member an observer/);
  assert.equal(peerTypeMismatch(parseZooCfg(lines.join("\n")).config, 3), null);
  // The role comes from the server line, whatever peerType says.
  assert.deepEqual(ensembleIdentity(observer, 1).conf, { voters: [1, 2], learners: [3] });
});

test("wrong values are refused with the line number", () => {
  const cases: [string, RegExp][] = [
    ["clientPort=1\ntickTime=abc", /line 2: tickTime: expected an integer/],
    ["clientPort=70000", /line 1: clientPort: expected an integer in 0..65535/],
    ["clientPort=1\nminSessionTimeout=5000\nmaxSessionTimeout=4000", /must not exceed/],
    ["clientPort=1\n4lw.commands.whitelist=ruok,nope", /unknown four-letter word "nope"/],
    ["clientPort=1\nextendedTypesEnabled=maybe", /expected true or false/],
    ["server.1=host:2888", /expected host:peerPort:electionPort/],
    ["server.1=h:1:2:voter", /role must be participant or observer/],
    ["server.1=h:1:2\npeerType=learner", /line 2: peerType: Unrecognised peertype: learner/],
    ["server.1=h:1:2\nserver.1=h:3:4", /appears twice/],
    [
      "clientPort=1\nDigestAuthenticationProvider.superDigest=super:short",
      /expected user:base64sha1/,
    ],
    ["clientPort=1\ndataDir=", /dataDir: expected a value/],
  ];
  for (const [text, expected] of cases) {
    assert.throws(
      () => parseZooCfg(text),
      (err: unknown) => err instanceof ConfigError && expected.test(err.message),
      text,
    );
  }
});

test("unknown keys warn, known ZooKeeper-only keys are accepted with a note", () => {
  const { warnings } = parseZooCfg(
    "clientPort=1\nfrobnicate=1\nelectionAlg=3\nssl.quorum.ocsp=true",
  );
  assert.deepEqual(
    warnings.map((w) => [w.line, w.message]),
    [
      [2, "unknown key frobnicate ignored"],
      [3, "electionAlg is accepted but has no effect in Corral"],
      [4, "ssl.quorum.ocsp is accepted but has no effect in Corral"],
    ],
  );
});

test("secureClientPort and the ssl.* keys are read as ZooKeeper reads them", () => {
  const { config, warnings } = parseZooCfg(
    [
      "secureClientPort=2281",
      "zookeeper.ssl.keyStore.location=/etc/zk/server.p12",
      "ssl.keyStore.password=secret",
      "ssl.trustStore.location=/etc/zk/trust.jks",
      "ssl.trustStore.type=jks",
      "ssl.clientAuth=want",
      "ssl.enabledProtocols=TLSv1.2,TLSv1.3",
      "ssl.ciphersuites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_AES_256_CBC_SHA",
      "ssl.hostnameVerification=false",
    ].join("\n"),
  );
  assert.deepEqual(warnings, []);
  assert.equal(config.secureClientPort, 2281);
  // Only the secure port is configured: no plain port, as ZooKeeper.
  assert.equal(config.clientPortEnabled, false);
  assert.equal(config.ssl.keyStore.location, "/etc/zk/server.p12");
  assert.equal(effectiveStoreType(config.ssl.keyStore), "PKCS12");
  assert.equal(effectiveStoreType(config.ssl.trustStore), "JKS");
  assert.equal(config.ssl.clientAuth, "want");
  assert.deepEqual(enabledProtocols(config.ssl), ["TLSv1.2", "TLSv1.3"]);
  assert.deepEqual(config.ssl.cipherSuites?.map(javaCipherSuiteToOpenSsl), [
    "ECDHE-RSA-AES128-GCM-SHA256",
    "AES256-SHA",
  ]);
  assert.deepEqual(enabledProtocols(parseZooCfg("clientPort=1").config.ssl), ["TLSv1.2"]);
  assert.throws(() => parseZooCfg("secureClientPort=2281"), /ssl.keyStore.location/);
  assert.throws(() => parseZooCfg("ssl.clientAuth=maybe"), /line 1: ssl.clientAuth/);
  assert.throws(() => parseZooCfg("ssl.ciphersuites=TLS_FOO_WITH_BAR"), /unsupported cipher/);
});

test("keys read but not acted on yet are named at start, with the reason", () => {
  const { config, warnings } = parseZooCfg(
    "clientPort=1\nadmin.serverPort=9090\ninitLimit=7\nsyncLimit=3\nstandaloneEnabled=false\nreconfigEnabled=true",
  );
  assert.equal(config.initLimit, 7);
  assert.deepEqual(
    warnings.map((w) => [w.line, w.message.replace(/: .*$/, "")]),
    // admin.serverPort (the admin port), standaloneEnabled (ensembles), initLimit (a
    // joiner's catch-up) and reconfigEnabled (dynamic reconfiguration) are acted on.
    [[4, "syncLimit is read but not acted on yet"]],
  );
});

test("Java properties syntax: separators, comments, continuations", () => {
  const props = parseProperties(
    "a=1\n  b : 2\nc 3\n! bang comment\n# hash comment\nd=one\\\n   two\ne=",
  );
  assert.deepEqual(
    props.map((p) => [p.key, p.value, p.line]),
    [
      ["a", "1", 1],
      ["b", "2", 2],
      ["c", "3", 3],
      ["d", "onetwo", 6],
      ["e", "", 8],
    ],
  );
});

test("nio.sessionlessCnxnTimeout sets how long a connection may go without a handshake", () => {
  assert.equal(parseZooCfg("").config.sessionlessConnectionTimeoutMs, 10000);
  for (const key of ["nio.sessionlessCnxnTimeout", "zookeeper.nio.sessionlessCnxnTimeout"]) {
    const { config, warnings } = parseZooCfg(`clientPort=2181\n${key}=1500\n`);
    assert.deepEqual(warnings, []);
    assert.equal(config.sessionlessConnectionTimeoutMs, 1500);
  }
  assert.throws(() => parseZooCfg("nio.sessionlessCnxnTimeout=0\n"), ConfigError);
});
