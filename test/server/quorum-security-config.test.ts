// Proves that zoo.cfg's peer-link security keys are read as ZooKeeper 3.8 reads them: the
// ssl.quorum.* keys fill a store configuration of their own (with or without the
// `zookeeper.` prefix, leaving the client port's ssl.* alone), sslQuorum and
// sslQuorumReloadCertFiles are flags, quorum.auth.* set the SASL switches and JAAS section
// names, and the combinations ZooKeeper refuses at start-up are refused with its reason.
// The JAAS file's QuorumServer and QuorumLearner sections are read as ZooKeeper documents.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, parseZooCfg } from "../../src/server/config.js";
import { digestLogin, saslServerUsers } from "../../src/server/jaas.js";

test("ssl.quorum.* keys fill the quorum's own TLS settings", () => {
  const { config, warnings } = parseZooCfg(
    [
      "clientPort=1",
      "sslQuorum=true",
      "sslQuorumReloadCertFiles=true",
      "ssl.quorum.keyStore.location=/etc/zk/member.p12",
      "ssl.quorum.keyStore.password=secret",
      "zookeeper.ssl.quorum.trustStore.location=/etc/zk/trust.jks",
      "ssl.quorum.trustStore.password=trustme",
      "ssl.quorum.trustStore.type=jks",
      "ssl.quorum.protocol=TLSv1.3",
      "ssl.quorum.enabledProtocols=TLSv1.2,TLSv1.3",
      "ssl.quorum.ciphersuites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "ssl.quorum.hostnameVerification=false",
      "ssl.quorum.clientAuth=want",
      "ssl.keyStore.location=/etc/zk/client-port.pem",
    ].join("\n"),
  );
  assert.deepEqual(warnings, []);
  const q = config.quorumSecurity;
  assert.equal(q.sslQuorum, true);
  assert.equal(q.reloadCertFiles, true);
  assert.deepEqual(q.ssl.keyStore, {
    location: "/etc/zk/member.p12",
    password: "secret",
    passwordPath: null,
    type: null,
  });
  assert.deepEqual(q.ssl.trustStore, {
    location: "/etc/zk/trust.jks",
    password: "trustme",
    passwordPath: null,
    type: "JKS",
  });
  assert.equal(q.ssl.protocol, "TLSv1.3");
  assert.deepEqual(q.ssl.enabledProtocols, ["TLSv1.2", "TLSv1.3"]);
  assert.deepEqual(q.ssl.cipherSuites, ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]);
  assert.equal(q.ssl.hostnameVerification, false);
  assert.equal(q.ssl.clientAuth, "want");
  // The client port's settings are separate.
  assert.equal(config.ssl.keyStore.location, "/etc/zk/client-port.pem");
  assert.equal(config.ssl.trustStore.location, null);
});

test("defaults: no TLS, no SASL, ZooKeeper's section names, need and hostname checks", () => {
  const q = parseZooCfg("clientPort=1").config.quorumSecurity;
  assert.equal(q.sslQuorum, false);
  assert.equal(q.reloadCertFiles, false);
  assert.equal(q.ssl.clientAuth, "need");
  assert.equal(q.ssl.hostnameVerification, true);
  assert.deepEqual(
    [q.auth.enableSasl, q.auth.learnerRequireSasl, q.auth.serverRequireSasl],
    [false, false, false],
  );
  assert.equal(q.auth.learnerLoginContext, "QuorumLearner");
  assert.equal(q.auth.serverLoginContext, "QuorumServer");
});

test("quorum.auth.* keys", () => {
  const { config, warnings } = parseZooCfg(
    [
      "clientPort=1",
      "quorum.auth.enableSasl=true",
      "quorum.auth.learnerRequireSasl=true",
      "quorum.auth.serverRequireSasl=true",
      "quorum.auth.learner.saslLoginContext=Learner2",
      "quorum.auth.server.saslLoginContext=Server2",
      "quorum.auth.kerberos.servicePrincipal=zkquorum/_HOST",
    ].join("\n"),
  );
  const a = config.quorumSecurity.auth;
  assert.deepEqual([a.enableSasl, a.learnerRequireSasl, a.serverRequireSasl], [true, true, true]);
  assert.equal(a.learnerLoginContext, "Learner2");
  assert.equal(a.serverLoginContext, "Server2");
  assert.deepEqual(
    warnings.map((w) => w.message),
    ["quorum.auth.kerberos.servicePrincipal is accepted but has no effect in Corral"],
  );
});

test("combinations ZooKeeper refuses are refused", () => {
  const cases: [string, RegExp][] = [
    [
      "quorum.auth.serverRequireSasl=true",
      /enableSasl is disabled, so quorum.auth.serverRequireSasl/,
    ],
    [
      "quorum.auth.learnerRequireSasl=true",
      /enableSasl is disabled, so quorum.auth.learnerRequireSasl/,
    ],
    [
      "quorum.auth.enableSasl=true\nquorum.auth.serverRequireSasl=true",
      /learnerRequireSasl is disabled, so quorum.auth.serverRequireSasl/,
    ],
    ["sslQuorum=true", /sslQuorum needs ssl.quorum.keyStore.location/],
    ["sslQuorum=yes please", /line 2: sslQuorum: expected true or false/],
    ["ssl.quorum.clientAuth=sometimes", /expected need, want or none/],
    ["ssl.quorum.keyStore.type=BKS", /expected PEM, PKCS12 or JKS/],
    ["ssl.quorum.ciphersuites=TLS_FOO_WITH_BAR", /unsupported cipher suite/],
    ["quorum.auth.server.saslLoginContext=two words", /JAAS section name/],
  ];
  for (const [lines, expected] of cases) {
    assert.throws(
      () => parseZooCfg(`clientPort=1\n${lines}`),
      (err: unknown) => err instanceof ConfigError && expected.test(err.message),
      lines,
    );
  }
});

test("the JAAS sections of ZooKeeper's quorum digest form", () => {
  const jaas = `
    QuorumServer {
      org.apache.zookeeper.server.auth.DigestLoginModule required
      user_test="test" user_other="p\\"w";
    };
    QuorumLearner {
      org.apache.zookeeper.server.auth.DigestLoginModule required
      username="test"
      password="test";
    };`;
  assert.deepEqual(
    [...saslServerUsers(jaas, "QuorumServer")],
    [
      ["test", "test"],
      ["other", 'p"w'],
    ],
  );
  assert.deepEqual(digestLogin(jaas, "QuorumLearner"), { username: "test", password: "test" });
  assert.throws(() => digestLogin(jaas, "Missing"), /no "Missing" section/);
  assert.throws(
    () => digestLogin(jaas, "QuorumServer"),
    /no entry with both username and password/,
  );
});
