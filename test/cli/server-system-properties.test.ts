// Proves where readonlymode.enabled is read from: off by default (ZooKeeper's default), on
// with the zoo.cfg key (Corral's addition, in either spelling zoo.cfg keys take) and with
// ZooKeeper's own form, -Dreadonlymode.enabled=true in SERVER_JVMFLAGS or JVMFLAGS, which
// overrides the key (SERVER_JVMFLAGS winning over JVMFLAGS, as zkServer.sh orders them), and
// which, like Java's Boolean.getBoolean, takes only "true" in any case as true. And where
// zookeeper.skipACL is read from, as the real ZooKeeper 3.8 was seen to read it: on only for
// exactly "yes", from zoo.cfg's skipACL (which wins over the flag, since ZooKeeper sets the
// property from it after the JVM started) or -Dzookeeper.skipACL in SERVER_JVMFLAGS or
// JVMFLAGS; zoo.cfg's zookeeper.skipACL is ignored with a warning, as ZooKeeper ignores it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyServerSystemProperties } from "../../src/cli/server-system-properties.js";
import { defaultConfig, parseZooCfg } from "../../src/server/config.js";

const base = "tickTime=2000\ndataDir=/tmp/x\nclientPort=2181\n";

test("readonlymode.enabled is off unless a zoo.cfg key or a JVM flag turns it on", () => {
  assert.equal(defaultConfig().readOnlyModeEnabled, false);
  assert.equal(parseZooCfg(base).config.readOnlyModeEnabled, false);
  for (const key of ["readonlymode.enabled", "zookeeper.readonlymode.enabled"]) {
    const parsed = parseZooCfg(`${base}${key}=true\n`);
    assert.equal(parsed.config.readOnlyModeEnabled, true, key);
    assert.deepEqual(parsed.warnings, [], key);
  }
  assert.throws(() => parseZooCfg(`${base}readonlymode.enabled=maybe\n`), /readonlymode.enabled/);
});

test("-Dreadonlymode.enabled in SERVER_JVMFLAGS or JVMFLAGS, as ZooKeeper reads it", () => {
  const cases: [Record<string, string>, boolean, boolean][] = [
    [{}, false, false],
    [{}, true, true],
    [{ SERVER_JVMFLAGS: "-Xmx1g -Dreadonlymode.enabled=true" }, false, true],
    [{ JVMFLAGS: "-Dreadonlymode.enabled=TRUE" }, false, true],
    [{ SERVER_JVMFLAGS: "-Dreadonlymode.enabled=yes" }, false, false],
    [{ SERVER_JVMFLAGS: "-Dreadonlymode.enabled=false" }, true, false],
    [
      { JVMFLAGS: "-Dreadonlymode.enabled=true", SERVER_JVMFLAGS: "-Dreadonlymode.enabled=false" },
      false,
      false,
    ],
    [
      { JVMFLAGS: "-Dreadonlymode.enabled=false", SERVER_JVMFLAGS: "-Dreadonlymode.enabled=true" },
      false,
      true,
    ],
    [{ SERVER_JVMFLAGS: "-Dzookeeper.readonlymode.enabled=true" }, false, false],
  ];
  for (const [env, fromCfg, expected] of cases) {
    const config = defaultConfig();
    config.readOnlyModeEnabled = fromCfg;
    applyServerSystemProperties(config, env);
    assert.equal(config.readOnlyModeEnabled, expected, JSON.stringify({ env, fromCfg }));
  }
});

test("skipACL in zoo.cfg: only exactly yes turns it on; zookeeper.skipACL there is ignored", () => {
  assert.equal(defaultConfig().skipAcl, null);
  assert.equal(parseZooCfg(base).config.skipAcl, null);
  for (const [value, expected] of [
    ["yes", true],
    ["no", false],
    ["YES", false],
    ["true", false],
  ] as const) {
    const parsed = parseZooCfg(`${base}skipACL=${value}\n`);
    assert.equal(parsed.config.skipAcl, expected, value);
    assert.deepEqual(parsed.warnings, [], value);
  }
  const prefixed = parseZooCfg(`${base}zookeeper.skipACL=yes\n`);
  assert.equal(prefixed.config.skipAcl, null);
  assert.match(prefixed.warnings[0]?.message ?? "", /zookeeper\.skipACL ignored/);
});

test("-Dzookeeper.skipACL in SERVER_JVMFLAGS or JVMFLAGS, unless zoo.cfg's skipACL says", () => {
  const cases: [Record<string, string>, boolean | null, boolean | null][] = [
    [{}, null, null],
    [{ SERVER_JVMFLAGS: "-Xmx1g -Dzookeeper.skipACL=yes" }, null, true],
    [{ JVMFLAGS: "-Dzookeeper.skipACL=yes" }, null, true],
    [{ SERVER_JVMFLAGS: "-Dzookeeper.skipACL=YES" }, null, false],
    [{ SERVER_JVMFLAGS: "-Dzookeeper.skipACL=true" }, null, false],
    [
      { JVMFLAGS: "-Dzookeeper.skipACL=yes", SERVER_JVMFLAGS: "-Dzookeeper.skipACL=no" },
      null,
      false,
    ],
    [{ SERVER_JVMFLAGS: "-DskipACL=yes" }, null, null],
    // ZooKeeper 3.8, seen: the zoo.cfg key wins over the flag, both ways.
    [{ SERVER_JVMFLAGS: "-Dzookeeper.skipACL=yes" }, false, false],
    [{ SERVER_JVMFLAGS: "-Dzookeeper.skipACL=no" }, true, true],
  ];
  for (const [env, fromCfg, expected] of cases) {
    const config = defaultConfig();
    config.skipAcl = fromCfg;
    applyServerSystemProperties(config, env);
    assert.equal(config.skipAcl, expected, JSON.stringify({ env, fromCfg }));
  }
});
