// Proves `corral ensemble` as a user runs it: it starts one process per member, prints the
// connect string, the ensemble elects a leader and takes writes through any member, and
// SIGINT stops every member; started again on the same directory it restarts the same
// ensemble with its data. With --observers, the members after the voters observe (their
// zoo.cfg says so as ZooKeeper wants it) and take writes; too many members are refused.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/index.js";
import { corralMain } from "../support/corral-server.js";
import { fourLetterWord } from "../support/four-letter.js";

function startEnsemble(dir: string, extra: string[] = []) {
  const child = spawn(
    process.execPath,
    [
      corralMain,
      "ensemble",
      "--dir",
      dir,
      "--base-port",
      "0",
      "--tick-time",
      "200",
      "--log-level",
      "warn",
      ...extra,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  const connectString = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connect string: ${out}`)), 20000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /connect string: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  child.stderr.resume();
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  return { child, connectString, exited };
}

test("corral ensemble runs three members, stops them on SIGINT and restarts on its data", async () => {
  const dir = mkdtempSync(join(tmpdir(), "corral-cli-ensemble-"));
  const started: ReturnType<typeof startEnsemble>[] = [];
  try {
    const first = startEnsemble(dir);
    started.push(first);
    const cs = await first.connectString;
    assert.equal(cs.split(",").length, 3);
    const zk = await ZooKeeperClient.connect(cs, {
      sessionTimeoutMs: 4000,
      timeoutMs: 30000,
    });
    await zk.create("/kept", "yes");
    await zk.close();
    first.child.kill("SIGINT");
    assert.equal(await first.exited, 0);

    const second = startEnsemble(dir);
    started.push(second);
    assert.equal(await second.connectString, cs, "the same ports on a restart");
    const again = await ZooKeeperClient.connect(cs, {
      sessionTimeoutMs: 4000,
      timeoutMs: 30000,
    });
    assert.equal(Buffer.from((await again.getData("/kept")).data!).toString(), "yes");
    await again.close();
    second.child.kill("SIGINT");
    assert.equal(await second.exited, 0);
  } finally {
    // A failed run must not leave an ensemble behind: SIGINT stops its members.
    for (const e of started) {
      if (e.child.exitCode === null && e.child.signalCode === null) {
        e.child.kill("SIGINT");
        await e.exited;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test("corral ensemble --observers starts observers after the voters", async () => {
  const dir = mkdtempSync(join(tmpdir(), "corral-cli-observers-"));
  const e = startEnsemble(dir, ["--members", "1", "--observers", "1"]);
  try {
    const cs = await e.connectString;
    const [, observer] = cs.split(",");
    const cfg = readFileSync(join(dir, "m2", "zoo.cfg"), "utf8");
    assert.match(cfg, /^server\.2=127\.0\.0\.1:\d+:\d+:observer$/m);
    assert.match(cfg, /^peerType=observer$/m);
    const zk = await ZooKeeperClient.connect(observer, {
      sessionTimeoutMs: 4000,
      timeoutMs: 30000,
    });
    await zk.create("/through-observer", "yes");
    await zk.close();
    const port = Number(observer.split(":")[1]);
    assert.match(await fourLetterWord(port, "srvr"), /^Mode: observer$/m);
  } finally {
    e.child.kill("SIGINT");
    await e.exited;
    rmSync(dir, { recursive: true, force: true });
  }
  const refused = spawnSync(
    process.execPath,
    [corralMain, "ensemble", "--dir", dir, "--members", "5", "--observers", "5"],
    { encoding: "utf8", timeout: 20000 },
  );
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /members \+ observers at most 9/);
  rmSync(dir, { recursive: true, force: true });
});
