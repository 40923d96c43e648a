// Proves observers and leadership transfer on a real ensemble of processes: 3 voters and 2
// observers (server lines with `:observer`, and ZooKeeper's `peerType=observer` in each
// observer's own zoo.cfg).
//
// - Clients connected only to an observer read from its tree, set watches there and write
//   (forwarded to the leader); a watch set on one observer fires for a write made through
//   the other. The observers say `Mode: observer` and `zk_server_state observer`, conf marks
//   them, the leader's mntr counts them (zk_learners, zk_synced_observers) and measures the
//   proposals it appends for them, and its admin `observers` command lists them.
// - The leader is killed: a voter is elected (never an observer), and the observers' clients
//   go on reading, watching and writing; the new leader counts the observers again.
// - Leadership moves on demand through the admin port: sent to a follower (passed on to the
//   leader) and to the leader itself, while a client writes without pause and keeps being
//   acknowledged. `corral leader transfer` refuses an observer and an unknown id with a clear
//   message, and the route refuses a request without administrator credentials.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, test } from "node:test";
import { ZooKeeperClient } from "../../src/client/client.js";
import { ConnectionLossError } from "../../src/client/errors.js";
import { waitFor } from "../client/helpers.js";
import { CorralEnsemble } from "../support/corral-ensemble.js";
import { corralMain } from "../support/corral-server.js";
import { fourLetterWord } from "../support/four-letter.js";

const token = "observers-test-token-0123456789";
const voters = [1, 2, 3];
const observers = [4, 5];
let ensemble: CorralEnsemble;
const clients: ZooKeeperClient[] = [];

before(async () => {
  ensemble = await CorralEnsemble.start({
    members: 3,
    observers: 2,
    tickTimeMs: 500,
    admin: true,
    extraConfig: [`admin.authToken=${token}`],
    logLevel: "warn",
  });
  await ensemble.waitForLeader();
});

after(async () => {
  for (const c of clients) await c.close();
  await ensemble?.stop();
});

async function connect(id: number): Promise<ZooKeeperClient> {
  const c = await ZooKeeperClient.connect(ensemble.address(id), { sessionTimeoutMs: 10000 });
  c.on("error", () => {});
  clients.push(c);
  return c;
}

async function mntr(id: number): Promise<Map<string, string>> {
  const text = await fourLetterWord(ensemble.port(id), "mntr");
  return new Map(text.split("\n").map((l) => l.split("\t") as [string, string]));
}

/** Retries `op` through the connection losses of a leader change, within a bound. */
async function retrying<T>(op: () => Promise<T>, timeoutMs = 20000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if (!(err instanceof ConnectionLossError) || performance.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** The leader's mntr once it counts `learners` members and both observers as synced. */
async function leaderCountsObservers(leader: number, learners: number): Promise<void> {
  let last = new Map<string, string>();
  await waitFor(
    async () => {
      last = await mntr(leader);
      return (
        last.get("zk_learners") === String(learners) && last.get("zk_synced_observers") === "2"
      );
    },
    15000,
    `leader ${leader} counting ${learners} learners, 2 synced observers`,
  ).catch((e) => {
    throw new Error(`${e.message}: ${JSON.stringify([...last])}`);
  });
}

async function adminGet(id: number, path: string): Promise<Record<string, unknown>> {
  const r = await fetch(`http://127.0.0.1:${ensemble.adminPort(id)}${path}`);
  return (await r.json()) as Record<string, unknown>;
}

async function transfer(
  id: number,
  to: number | null,
  auth = true,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const query = to === null ? "" : `?to=${to}`;
  const r = await fetch(`http://127.0.0.1:${ensemble.adminPort(id)}/api/leader/transfer${query}`, {
    method: "POST",
    headers: auth ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [corralMain, ...args], { timeout: 20000 }, (err, stdout, stderr) =>
      resolve({ code: err === null ? 0 : Number(err.code ?? 1), stdout, stderr }),
    );
  });
}

test("observers serve reads, watches and writes, and the leader counts them", async () => {
  for (const id of observers) {
    assert.equal(await ensemble.mode(id), "observer");
    const m = await mntr(id);
    assert.equal(m.get("zk_server_state"), "observer");
    assert.equal(m.get("zk_peer_state"), "observing - broadcast");
    assert.equal(m.get("zk_learners"), undefined, "only the leader prints zk_learners");
    const conf = await fourLetterWord(ensemble.port(id), "conf");
    assert.match(conf, /^peerType=1$/m);
    assert.match(conf, new RegExp(`^server\\.${id}=127\\.0\\.0\\.1:\\d+:\\d+:observer$`, "m"));
    assert.match(conf, /^server\.1=127\.0\.0\.1:\d+:\d+:participant$/m);
    assert.match(conf, /^version=0$/m);
  }
  const a = await connect(4);
  const b = await connect(5);
  await a.create("/obs", "v0");
  assert.equal((await b.getData("/obs")).data.toString(), "v0", "a read on the other observer");
  let fired: () => void = () => {};
  const watchFired = new Promise<void>((r) => {
    fired = r;
  });
  await b.getData("/obs", { watch: (e) => e.path === "/obs" && fired() });
  await a.setData("/obs", "v1");
  await watchFired;
  assert.equal((await b.getData("/obs")).data.toString(), "v1");

  const leader = await ensemble.waitForLeader();
  assert.ok(voters.includes(leader));
  await leaderCountsObservers(leader, 4);
  const lm = await mntr(leader);
  assert.equal(lm.get("zk_synced_followers"), "2");
  assert.equal(lm.get("zk_quorum_size"), "3");
  const obsr = await adminGet(leader, "/commands/observers");
  assert.equal(obsr.synced_observers, 2);
  assert.deepEqual(
    (obsr.observers as { sid: number }[]).map((o) => o.sid),
    observers,
    "the leader's observers command lists both",
  );
  for (const o of obsr.observers as { remote_socket_address: string; last_zxid: number }[]) {
    assert.match(o.remote_socket_address, /^127\.0\.0\.1:\d+$/);
    assert.ok(o.last_zxid > 0);
  }
  // A write forwarded from an observer is measured where the leader appends it: its 2000
  // data bytes plus the entry's envelope, path, time, session and auth ids.
  await a.create("/obs-big", Buffer.alloc(2000, 0x62));
  await waitFor(
    async () => Number((await mntr(leader)).get("zk_max_proposal_size")) >= 2000,
    10000,
    "the leader measuring the 2000-byte proposal",
  );
  const sizes = await mntr(leader);
  const max = Number(sizes.get("zk_max_proposal_size"));
  assert.ok(max < 2200, JSON.stringify([...sizes]));
  assert.ok(Number(sizes.get("zk_min_proposal_size")) > 0);
  assert.match(
    await fourLetterWord(ensemble.port(leader), "srvr"),
    new RegExp(`^Proposal sizes last/min/max: \\d+/\\d+/${max}$`, "m"),
  );
  const view = await adminGet(observers[0], "/commands/voting_view");
  assert.deepEqual(Object.keys(view.current_config as object), ["1", "2", "3"]);

  // The leader dies; a voter takes over and the observers' clients carry on.
  await ensemble.kill(leader);
  const next = await ensemble.waitForLeader();
  assert.ok(voters.includes(next) && next !== leader, `new leader ${next}`);
  await retrying(() => a.setData("/obs", "v2"));
  await waitFor(
    async () => (await retrying(() => b.getData("/obs"))).data.toString() === "v2",
    10000,
    "the other observer reading v2",
  );
  const again = new Promise<void>((r) => {
    fired = r;
  });
  await retrying(() => b.getData("/obs", { watch: (e) => e.path === "/obs" && fired() }));
  await retrying(() => a.setData("/obs", "v3"));
  await again;
  for (const id of observers) assert.equal(await ensemble.mode(id), "observer");
  await leaderCountsObservers(next, 3);
  await ensemble.restart(leader);
  await leaderCountsObservers(next, 4);
});

test("leadership moves on demand while a client writes; observers and strangers are refused", async () => {
  const writer = await ZooKeeperClient.connect(ensemble.connectString, { sessionTimeoutMs: 10000 });
  writer.on("error", () => {});
  clients.push(writer);
  await retrying(() => writer.create("/transfer", "0"));
  let acknowledged = 0;
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      await retrying(() => writer.setData("/transfer", String(acknowledged + 1)));
      acknowledged++;
    }
  })();
  try {
    const first = await ensemble.waitForLeader();
    const [via, target] = voters.filter((id) => id !== first);
    await waitFor(() => acknowledged >= 5, 15000, "writes before the transfer");

    // Sent to a follower: passed on to the leader, which hands over to the named voter.
    const moved = await transfer(via, target);
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual(
      [moved.body.previous_leader, moved.body.leader, moved.body.forwarded, moved.body.error],
      [first, target, true, null],
    );
    assert.equal(await ensemble.waitForLeader(), target);
    const before = acknowledged;
    await waitFor(() => acknowledged >= before + 5, 15000, "writes after the transfer");

    // Sent to the leader with no target: it picks a voter itself.
    const picked = await transfer(target, null);
    assert.equal(picked.status, 200, JSON.stringify(picked.body));
    assert.equal(picked.body.forwarded, false);
    assert.ok(voters.includes(picked.body.leader as number) && picked.body.leader !== target);

    // The command line, through an observer's admin port.
    const admin = `127.0.0.1:${ensemble.adminPort(4)}`;
    const now = await ensemble.waitForLeader();
    const to = voters.find((id) => id !== now)!;
    const transferTo = (id: number) =>
      cli(["leader", "transfer", "--server", admin, "--to", `${id}`, "--token", token]);
    const ok = await transferTo(to);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(
      ok.stdout,
      new RegExp(
        `leadership moved from server ${now} to server ${to} in \\d+ ms \\(passed on to the leader\\)`,
      ),
    );
    const toObserver = await transferTo(5);
    assert.equal(toObserver.code, 1);
    assert.match(
      toObserver.stderr,
      /\(400\): server 5 is an observer: observers do not vote and cannot lead/,
    );
    const toStranger = await transferTo(9);
    assert.equal(toStranger.code, 1);
    assert.match(
      toStranger.stderr,
      /server 9 is not a member of this ensemble \(members: 1, 2, 3, 4, 5\)/,
    );
    const anonymous = await transfer(4, to, false);
    assert.equal(anonymous.status, 401);
    assert.equal(await ensemble.waitForLeader(), to, "refused requests move nothing");
    const last = acknowledged;
    await waitFor(() => acknowledged >= last + 5, 15000, "writes after every transfer");
  } finally {
    stop = true;
    await loop;
  }
  assert.equal((await writer.getData("/transfer")).data.toString(), String(acknowledged));
});
