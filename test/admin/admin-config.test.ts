// Proves that zoo.cfg's admin and metrics keys are read as ZooKeeper spells them, with
// ZooKeeper's defaults, that Corral's own admin keys are validated, and that nonsense stops
// the start with the line number.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, defaultConfig, parseZooCfg } from "../../src/server/config.js";
import { digestId } from "../../src/server/digest.js";

test("defaults: the admin port on 0.0.0.0:8080 under /commands", () => {
  const c = defaultConfig();
  assert.deepEqual(
    [c.adminEnableServer, c.adminServerAddress, c.adminServerPort, c.adminCommandUrl],
    [true, "0.0.0.0", 8080, "/commands"],
  );
  assert.equal(c.adminIdleTimeoutMs, 30000);
  assert.deepEqual(c.adminAuthDigests, []);
  assert.equal(c.adminAuthToken, null);
  assert.equal(c.metricsProviderClassName, null);
  assert.equal(c.metricsProviderHttpPort, 7000);
  assert.equal(c.fsyncWarningThresholdMs, 1000);
});

test("ZooKeeper's keys, in both spellings, and Corral's", () => {
  const { config, warnings } = parseZooCfg(
    [
      "admin.enableServer=false",
      "admin.serverAddress=127.0.0.1",
      "admin.serverPort=9090",
      "zookeeper.admin.commandURL=/zk",
      "admin.idleTimeout=5000",
      "metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider",
      "metricsProvider.httpPort=7001",
      "metricsProvider.exportJvmInfo=false",
      "fsync.warningthresholdms=50",
      `admin.authDigest=${digestId("a:1")}, ${digestId("b:2")}`,
      "admin.authToken=0123456789abcdef",
      "admin.readAuthRequired=true",
      "admin.maxConnections=8",
    ].join("\n"),
  );
  assert.deepEqual(
    warnings.filter((w) => /admin|metrics|fsync/.test(w.message)),
    [],
  );
  assert.equal(config.adminEnableServer, false);
  assert.equal(config.adminServerPort, 9090);
  assert.equal(config.adminCommandUrl, "/zk");
  assert.equal(config.adminIdleTimeoutMs, 5000);
  assert.equal(config.metricsProviderHttpPort, 7001);
  assert.equal(config.metricsProviderExportJvmInfo, false);
  assert.equal(config.fsyncWarningThresholdMs, 50);
  assert.deepEqual(config.adminAuthDigests, [digestId("a:1"), digestId("b:2")]);
  assert.equal(config.adminAuthToken, "0123456789abcdef");
  assert.equal(config.adminReadAuthRequired, true);
  assert.equal(config.adminConnectionsMax, 8);
});

test("nonsense is refused with its line", () => {
  for (const line of [
    "admin.commandURL=/",
    "admin.commandURL=commands",
    "admin.serverPort=70000",
    "admin.authToken=short",
    "admin.authDigest=admin:secret",
    "admin.idleTimeout=0",
  ]) {
    assert.throws(
      () => parseZooCfg(`tickTime=2000\n${line}\n`),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /line 2/);
        return true;
      },
      line,
    );
  }
});
