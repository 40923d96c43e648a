// Proves that `corral shell` prints what zkCli.sh prints for the same commands on the same
// tree: both run the same sample of commands (listing, data, Stat, ACLs, counts, recursive
// listing, errors) against one real server, and stdout and stderr must match line for line.
// The same for the quota commands, printwatches, version and reconfig, each CLI on its own
// copy of the tree; and that the shell lists exactly zkCli's commands with zkCli's usage lines.
// Also proves -c scripting (exit codes), quoting, ACL parsing and path completion.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { parseAcl, runShell, Shell, tokenize } from "../../src/cli/shell.js";
import { ZooKeeperClient } from "../../src/client/client.js";
import { peerSkip } from "../support/peers.js";
import { uniquePath } from "./helpers.js";
import { forEachServer } from "./targets.js";

const zkCli = "/usr/share/zookeeper/bin/zkCli.sh";

/** The output without its watch events, and the events in the order printed. */
function withoutEvents(out: string): { text: string; events: string[] } {
  const events: string[] = [];
  const text = out.replace(/\nWATCHER::\n\n(WatchedEvent [^\n]*)\n/g, (_, event: string) => {
    events.push(event);
    return "";
  });
  return { text, events };
}

/** Runs `commands` through zkCli.sh and through Corral's shell; what each printed. */
async function runBoth(
  connectString: string,
  commands: string[],
  /** Commands for Corral's shell when they must not see what zkCli's changed (its own tree). */
  ourCommands = commands,
): Promise<{ javaOut: string; javaErr: string[]; ourOut: string; ourErr: string }> {
  const java = spawnSync(zkCli, ["-server", connectString], {
    input: `${commands.join("\n")}\nquit\n`,
    encoding: "utf8",
    timeout: 60000,
  });
  // Drop zkCli's banner and its connection event; keep what the commands printed.
  let javaOut = java.stdout.slice(java.stdout.indexOf("type:None path:null\n") + 20);
  // ...and the Closed event that `quit` prints at the end.
  const closedAt = javaOut.lastIndexOf("\nWATCHER::\n\nWatchedEvent state:Closed");
  if (closedAt >= 0) javaOut = javaOut.slice(0, closedAt);
  const javaErr = java.stderr
    .split("\n")
    .filter(
      (l) =>
        !/^(SLF4J|log4j|\s*at |Exception|WATCHER|$)/.test(l) &&
        !l.includes("INFO") &&
        !l.includes("WARN"),
    );
  let ourOut = "";
  let ourErr = "";
  const shell = new Shell(
    { timeoutMs: 10000 },
    (s) => {
      ourOut += s;
    },
    (s) => {
      ourErr += s;
    },
  );
  await shell.connect(connectString);
  for (const c of ourCommands) await shell.execute(c);
  await shell.disconnect();
  return { javaOut, javaErr, ourOut, ourErr };
}

test("the shell knows every zkCli.sh command, with zkCli's usage line", {
  skip: peerSkip(!existsSync(zkCli) && "zkCli.sh not installed"),
}, async () => {
  // zkCli 3.8 lists its commands when given one it does not know (on stderr).
  const java = spawnSync(zkCli, ["-server", "127.0.0.1:1", "nosuchcommand"], {
    encoding: "utf8",
    timeout: 60000,
  });
  const javaUsages = `${java.stdout}${java.stderr}`
    .split("\n")
    .filter((l) => l.startsWith("\t"))
    .map((l) => l.slice(1));
  assert.ok(javaUsages.length > 20, `${java.stdout}${java.stderr}`);
  let out = "";
  const shell = new Shell({ timeoutMs: 1000 }, (s) => {
    out += s;
  });
  await shell.execute("help");
  const ourUsages = out
    .split("\n")
    .filter((l) => l.startsWith("\t"))
    .map((l) => l.slice(1));
  assert.deepEqual(ourUsages, javaUsages);
});

forEachServer((server) => {
  test("shell output matches zkCli.sh on a sample of commands", {
    skip: peerSkip(!existsSync(zkCli) && "zkCli.sh not installed"),
  }, async () => {
    const zk = await ZooKeeperClient.connect(server.connectString);
    const root = uniquePath("shell");
    try {
      await zk.create(root, "root data");
      await zk.create(`${root}/a`, "x");
      await zk.create(`${root}/b`);
      await zk.create(`${root}/b/c`, "deep");
      await zk.create(`${root}/empty`, "");
      await zk.addAuth("digest", "u:p");
      await zk.create(`${root}/secret`, "s", {
        acl: [{ perms: 31, id: { scheme: "auth", id: "" } }],
      });
      const commands = [
        `ls ${root}`,
        `ls -s ${root}`,
        `ls -R ${root}`,
        `get ${root}`,
        `get -s ${root}/a`,
        `get ${root}/b`,
        `stat ${root}/b/c`,
        `getAcl ${root}`,
        `getAcl ${root}/secret`,
        `getAllChildrenNumber ${root}`,
        `sync ${root}`,
        `get ${root}/nope`,
        `ls ${root}/nope`,
        `create ${root}/a`,
        `delete ${root}/b`,
        `set -v 9 ${root}/a y`,
        `get ${root}/secret`,
      ];
      const { javaOut, javaErr, ourOut, ourErr } = await runBoth(server.connectString, commands);
      assert.equal(ourOut, javaOut);
      assert.deepEqual(
        ourErr.split("\n").filter((l) => l !== ""),
        javaErr,
      );
    } finally {
      await zk.close();
    }
  });

  test("quota, printwatches, version and reconfig print what zkCli.sh prints", {
    skip: peerSkip(!existsSync(zkCli) && "zkCli.sh not installed"),
  }, async () => {
    const zk = await ZooKeeperClient.connect(server.connectString);
    // Each CLI gets its own copy of the tree: both change it.
    const roots = [uniquePath("quota"), uniquePath("quota")];
    try {
      for (const root of roots) {
        await zk.create(root);
        await zk.create(`${root}/q`, "data");
        await zk.create(`${root}/q/a`, "xy");
      }
      const commandsFor = (root: string): string[] => [
        `ls ${root}`,
        "printwatches",
        `setquota -n 5 ${root}/q`,
        `listquota ${root}/q`,
        `setquota -N 7 ${root}/q`,
        `setquota -b 100 ${root}/q`,
        `listquota ${root}/q`,
        `setquota -N 7 -B 200 ${root}/q`,
        `setquota -n 2 ${root}/q/a`,
        `setquota -n 2 ${root}`,
        `setquota -n 0 ${root}/q`,
        `setquota -b -1 ${root}/q`,
        `setquota -n 2 ${root}/nope`,
        "setquota -n 2 /zookeeper/quota/x",
        `delquota -n ${root}/q`,
        `listquota ${root}/q`,
        `delquota -N ${root}/q`,
        `listquota ${root}/q`,
        `delquota ${root}/q`,
        `listquota ${root}/q`,
        `delquota ${root}/q`,
        "printwatches off",
        `get -w ${root}/q`,
        `set ${root}/q z`,
        "printwatches",
        "printwatches on",
        `get -w ${root}/q`,
        `set ${root}/q y`,
        `ls ${root}`,
        "reconfig -add server.5=127.0.0.1:1:2",
        "reconfig -remove 3",
        "reconfig",
        "version",
      ];
      const both = await runBoth(
        server.connectString,
        commandsFor(roots[0]),
        commandsFor(roots[1]),
      );
      // The CLI names its own version: the line is compared, the version itself is not.
      const same = (out: string, root: string): string =>
        out
          .replaceAll(root, "<root>")
          .replace(/^ZooKeeper CLI version: .*$/m, "ZooKeeper CLI version: <version>");
      // zkCli prints a watch event from its event thread and reads the printwatches flag when
      // it prints, so where an event lands, and whether the one fired while printing was off
      // is printed after `printwatches on`, is a race (both seen): events are checked apart.
      const ours = withoutEvents(same(both.ourOut, roots[1]));
      const java = withoutEvents(same(both.javaOut, roots[0]));
      assert.equal(ours.text, java.text);
      const changed = "WatchedEvent state:SyncConnected type:NodeDataChanged path:<root>/q";
      assert.deepEqual(ours.events, [changed]);
      assert.ok(java.events.includes(changed));
      assert.match(both.ourOut, /^ZooKeeper CLI version: 3\.9\.3-corral-/m);
      assert.deepEqual(
        both.ourErr
          .split("\n")
          .filter((l) => l !== "")
          .map((l) => same(l, roots[1])),
        both.javaErr.map((l) => same(l, roots[0])),
      );
      // Nothing of the quota is left behind by delquota.
      assert.equal(await zk.exists(`/zookeeper/quota${roots[1]}`), null);
    } finally {
      await zk.close();
    }
  });

  test("-c runs one command; the exit code reports failure", async () => {
    let out = "";
    let err = "";
    const collect = (s: string): void => {
      out += s;
    };
    const p = uniquePath("shellc");
    assert.equal(
      await runShell(["-server", server.connectString, "-c", `create ${p} "two words"`], collect),
      0,
    );
    assert.equal(await runShell(["-server", server.connectString, "get", p], collect), 0);
    assert.equal(
      await runShell(["-server", server.connectString, "-c", `get ${p}/none`], collect, (s) => {
        err += s;
      }),
      1,
    );
    assert.equal(out, `Created ${p}\ntwo words\n`);
    assert.equal(err, `Node does not exist: ${p}/none\n`);
  });

  test("path completion lists matching children", async () => {
    const zk = await ZooKeeperClient.connect(server.connectString);
    const p = uniquePath("complete");
    await zk.create(p);
    await zk.create(`${p}/alpha`);
    await zk.create(`${p}/alps`);
    await zk.create(`${p}/beta`);
    const shell = new Shell({ timeoutMs: 10000 }, () => {});
    try {
      await shell.connect(server.connectString);
      assert.deepEqual(await shell.complete(`get ${p}/al`), [
        [`${p}/alpha`, `${p}/alps`],
        `${p}/al`,
      ]);
      assert.deepEqual((await shell.complete("getA"))[0], ["getAcl", "getAllChildrenNumber"]);
    } finally {
      await shell.disconnect();
      await zk.close();
    }
  });
});

test("tokenizer honours quotes; ACL strings parse as zkCli's", () => {
  assert.deepEqual(tokenize(`set /a "hello world" 'x y'`), ["set", "/a", "hello world", "x y"]);
  assert.deepEqual(parseAcl("world:anyone:cdrwa,digest:u:hash=:r"), [
    { perms: 31, id: { scheme: "world", id: "anyone" } },
    { perms: 1, id: { scheme: "digest", id: "u:hash=" } },
  ]);
});
