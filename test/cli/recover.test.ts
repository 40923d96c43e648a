// Proves `corral recover` end to end with real processes: a 5-member ensemble takes writes,
// one survivor crashes (SIGKILL) while the rest commit more, then 3 members are killed
// and their data destroyed, so no quorum can ever form again. The command refuses on a
// running member's data, refuses to seed from the survivor that is behind (and --inspect
// names the most advanced one), refuses without --force (changing nothing, stating the data
// loss risk), and with --force rewrites the most advanced survivor. A new 3-member ensemble
// (the seed, the other survivor wiped, and a member with a new id) starts with its two empty
// members first, which do not elect a leader on their own; once the seed starts it leads,
// and every acknowledged write is there on every member, and the new ensemble takes writes.
// Also: a directory that is not a member's, and a missing zoo.cfg, are refused.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ConnectionLossError, ZooKeeperClient } from "../../src/client/index.js";
import { waitFor } from "../client/helpers.js";
import { CorralEnsemble } from "../support/corral-ensemble.js";
import { type CorralServer, corralMain, startCorralServer } from "../support/corral-server.js";
import { fourLetterWord } from "../support/four-letter.js";
import { freeStablePort } from "../support/ports.js";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function recover(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [corralMain, "recover", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`corral recover hung: ${stdout}${stderr}`));
    }, 30000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function appliedZxid(port: number): Promise<number> {
  const text = await fourLetterWord(port, "srvr").catch(() => "");
  const m = /Zxid: 0x([0-9a-f]+)/.exec(text);
  return m === null ? -1 : Number.parseInt(m[1], 16);
}

async function mode(port: number): Promise<string | null> {
  const text = await fourLetterWord(port, "srvr").catch(() => "");
  return /Mode: (\S+)/.exec(text)?.[1] ?? null;
}

const dataFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((n) => n.startsWith("snap-") || n.startsWith("wal-") || n === "hardstate")
    .sort();

test("a survivor of a 5-member ensemble that lost 3 members seeds a new ensemble with every acknowledged write", async () => {
  const old = await CorralEnsemble.start({ members: 5, tickTimeMs: 200, logLevel: "warn" });
  const started: CorralServer[] = [];
  const clients: ZooKeeperClient[] = [];
  try {
    const leader = await old.waitForLeader();
    // The survivors are two followers; the leader is among the members destroyed.
    const [ahead, behind] = old.members.filter((id) => id !== leader);
    const destroyed = old.members.filter((id) => id !== ahead && id !== behind);
    const zk = await ZooKeeperClient.connect(old.connectString, { sessionTimeoutMs: 20000 });
    clients.push(zk);
    let lastZxid = 0;
    // A create whose connection drops (a spurious election on a loaded machine) may or may
    // not have been applied: look before trying again.
    const createOnce = async (path: string, data: string): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        try {
          lastZxid = (await zk.create(path, data)).stat.czxid;
          return;
        } catch (err) {
          if (!(err instanceof ConnectionLossError) || attempt === 5) throw err;
          await zk.waitConnected({ timeoutMs: 10000 });
          const stat = await zk.exists(path);
          if (stat !== null) {
            lastZxid = stat.czxid;
            return;
          }
        }
      }
    };
    const writes = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i++) await createOnce(`/rescued/n${i}`, `value ${i}`);
    };
    await createOnce("/rescued", "root");
    await writes(0, 20);
    await waitFor(async () => (await appliedZxid(old.port(behind))) >= lastZxid, 20000);
    // The member that crashes now misses the second batch: the other survivor is more
    // advanced. (A SIGSTOP would not do: the appends queued in its socket buffers would reach
    // it once resumed.) Its pid file stays behind, naming a dead process.
    await old.kill(behind);
    await writes(20, 40);
    await waitFor(async () => (await appliedZxid(old.port(ahead))) >= lastZxid, 20000);
    await zk.close();
    clients.length = 0;
    for (const id of destroyed) {
      await old.kill(id);
      old.wipeData(id);
    }

    const aheadDir = old.dataDir(ahead);
    const behindDir = old.dataDir(behind);
    const running = await recover("--config", join(aheadDir, "zoo.cfg"), "--force");
    assert.equal(running.code, 1, running.stderr);
    assert.match(running.stderr, /in use by a running member \(process \d+\)/);

    await old.terminate(ahead);

    const inspect = await recover(
      "--config",
      join(behindDir, "zoo.cfg"),
      "--inspect",
      "--survivor",
      aheadDir,
    );
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.ok(inspect.stdout.includes(`Seed from: ${aheadDir} (member ${ahead}).`), inspect.stdout);
    const fromBehind = await recover(
      "--config",
      join(behindDir, "zoo.cfg"),
      "--force",
      "--survivor",
      aheadDir,
    );
    assert.equal(fromBehind.code, 1);
    assert.match(fromBehind.stderr, /is the better seed/);

    // The new ensemble: the seed, the other survivor with its data wiped, a new member 9.
    const fresh = join(aheadDir, "..", "m9");
    mkdirSync(fresh);
    writeFileSync(join(fresh, "myid"), "9\n");
    old.wipeData(behind);
    const layout = new Map<
      number,
      { dir: string; client: number; peer: number; election: number }
    >();
    for (const [id, dir] of [
      [ahead, aheadDir],
      [behind, behindDir],
      [9, fresh],
    ] as const) {
      layout.set(id, {
        dir,
        client: await freeStablePort(),
        peer: await freeStablePort(),
        election: await freeStablePort(),
      });
    }
    const serverLines = [...layout].map(
      ([id, m]) => `server.${id}=127.0.0.1:${m.peer}:${m.election}`,
    );
    const newKeys = [`ensembleId=rescued-${process.pid}`, `ensembleSeed=${ahead}`];
    const seedConfig = (keys: string[]): string => {
      const path = join(aheadDir, "..", `seed-${keys.length}.cfg`);
      writeFileSync(
        path,
        [`dataDir=${aheadDir}`, "extendedTypesEnabled=true", ...serverLines, ...keys].join("\n"),
      );
      return path;
    };

    const unnamed = await recover("--config", seedConfig([]), "--force");
    assert.equal(unnamed.code, 1);
    assert.match(unnamed.stderr, new RegExp(`ensembleSeed=${ahead}`));
    assert.match(unnamed.stderr, /ensembleId=[0-9a-f]{16}/);

    const before = dataFiles(aheadDir);
    const unforced = await recover("--config", seedConfig(newKeys));
    assert.equal(unforced.code, 1);
    assert.match(unforced.stdout, /DATA-LOSS RISK/);
    assert.match(unforced.stdout, /writes will reappear/);
    assert.match(unforced.stdout, /Nothing was changed/);
    assert.deepEqual(dataFiles(aheadDir), before, "without --force nothing is written");

    const forced = await recover("--config", seedConfig(newKeys), "--force");
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /Done: rescued-\d+ seeded at index \d+/);
    assert.match(readFileSync(join(aheadDir, "corral-ensemble"), "utf8"), /^ensemble=rescued-/);

    const launch = async (id: number): Promise<CorralServer> => {
      const m = layout.get(id)!;
      const server = await startCorralServer({
        dataDir: m.dir,
        port: m.client,
        tickTimeMs: 200,
        extraConfig: [...serverLines, ...newKeys],
        logLevel: "info",
      });
      started.push(server);
      return server;
    };
    // The empty members first: they wait for the seed instead of electing one of them.
    const empties = [await launch(behind), await launch(9)];
    const quietUntil = performance.now() + 3000;
    while (performance.now() < quietUntil) {
      for (const s of empties) assert.notEqual(await mode(s.port), "leader");
      await new Promise((r) => setTimeout(r, 100));
    }
    const seed = await launch(ahead);
    await waitFor(async () => (await mode(seed.port)) === "leader", 20000, "the seed leads");
    // Every member holds the seed's snapshot before clients come (installing it closes them).
    for (const s of started) {
      await waitFor(async () => (await appliedZxid(s.port)) >= lastZxid, 20000, "caught up");
    }

    for (const s of started) {
      const c = await ZooKeeperClient.connect(s.connectString, { sessionTimeoutMs: 10000 });
      clients.push(c);
      await c.sync("/");
      for (let i = 0; i < 40; i++) {
        const got = await c.getData(`/rescued/n${i}`);
        assert.equal(got.data.toString(), `value ${i}`, `member on ${s.port}: /rescued/n${i}`);
      }
    }
    const writer = clients[clients.length - 1];
    await writer.create("/rescued/after", "new ensemble");
    const reader = clients[0];
    await reader.sync("/");
    assert.equal((await reader.getData("/rescued/after")).data.toString(), "new ensemble");
  } finally {
    for (const c of clients) await c.close().catch(() => {});
    for (const s of started) await s.kill();
    await old.stop();
  }
});

test("a directory that is not an ensemble member's data is refused, and so is a missing config", async () => {
  const dir = mkdtempSync(join(tmpdir(), "corral-recover-"));
  try {
    const cfg = join(dir, "zoo.cfg");
    writeFileSync(cfg, `dataDir=${dir}\nserver.1=127.0.0.1:1:2\nserver.2=127.0.0.1:3:4\n`);
    const notMember = await recover("--config", cfg, "--force");
    assert.equal(notMember.code, 1);
    assert.match(notMember.stderr, /is not a Corral ensemble member's data directory/);
    assert.deepEqual(readdirSync(dir), ["zoo.cfg"], "nothing written");
    const missing = await recover("--config", join(dir, "absent.cfg"));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /absent\.cfg/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
