// Proves, over real sockets against a real server process, what a full disk does to a
// standalone member. The process (failing-disk-server.ts) is the real standalone member and
// client listener over a disk that, on SIGUSR2, tears every write and fails every fsync with
// ENOSPC. Before the trigger, Corral's TS client and kazoo write and get acknowledgements.
// After it, a write in flight and the reads pipelined behind it end with ConnectionLoss
// (nothing hangs), the server logs one error line naming ENOSPC, isro says ro and srvr says
// read-only; read-only clients (a fresh TS client with canBeReadOnly, kazoo with
// read_only=True) connect, read every acknowledged write and get NotReadOnly for writes;
// clients that do not accept a read-only server (raw handshakes without the flag or with it
// false, kazoo without read_only) are refused. Then the process is killed with SIGKILL and the
// normal `corral server` restarted on the same data directory: it cuts the torn tail of the
// log, every acknowledged write is there, the unacknowledged torn one is not, and it takes
// writes again.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { ConnectionLossError, NotReadOnlyError, ZooKeeperClient } from "../../src/client/index.js";
import { encodeRequest } from "../../src/protocol/request-codec.js";
import { Writer } from "../../src/protocol/writer.js";
import { runProgram } from "../interop/scenario-program.js";
import { type CorralServer, startCorralServer } from "../support/corral-server.js";
import { fourLetterWord } from "../support/four-letter.js";
import { kazooMissing, python } from "../support/kazoo.js";
import { peerSkip } from "../support/peers.js";
import { RawConnection } from "./raw-client.js";

const launcher = join(dirname(fileURLToPath(import.meta.url)), "failing-disk-server.js");

// Phase "write": creates /kazoo/k0..k4 and prints what was acknowledged. Phase "readonly":
// a read_only client reads the given paths and tries every kind of write; a plain client
// (no read_only) must not get a session.
const kazooScript = `
import sys, json
from kazoo.client import KazooClient
from kazoo.exceptions import NotReadOnlyCallError
from kazoo.handlers.threading import KazooTimeoutError
phase, hosts = sys.argv[1], sys.argv[2]
out = {}
if phase == "write":
    zk = KazooClient(hosts=hosts, timeout=10)
    zk.start(timeout=15)
    zk.create("/kazoo", b"")
    out["acked"] = {}
    for i in range(5):
        path = zk.create("/kazoo/k%d" % i, ("kazoo-%d" % i).encode())
        out["acked"][path] = "kazoo-%d" % i
    zk.stop(); zk.close()
else:
    zk = KazooClient(hosts=hosts, read_only=True, timeout=10)
    zk.start(timeout=15)
    out["state"] = zk.client_state
    out["data"] = {p: zk.get(p)[0].decode() for p in json.loads(sys.argv[3])}
    out["children"] = sorted(zk.get_children("/kazoo"))
    def txn():
        t = zk.transaction(); t.create("/kazoo/t", b""); t.commit()
    writes = [
        ("create", lambda: zk.create("/kazoo/new", b"x")),
        ("set", lambda: zk.set("/kazoo/k0", b"y")),
        ("delete", lambda: zk.delete("/kazoo/k1")),
        ("set_acls", lambda: zk.set_acls("/kazoo/k0", zk.get_acls("/kazoo/k0")[0])),
        ("sync", lambda: zk.sync("/kazoo")),
        ("transaction", txn),
    ]
    out["writes"] = {}
    for name, call in writes:
        try:
            call(); out["writes"][name] = "no error"
        except NotReadOnlyCallError:
            out["writes"][name] = "NotReadOnlyCallError"
        except Exception as e:
            out["writes"][name] = type(e).__name__
    out["after"] = zk.get("/kazoo/k0")[0].decode()
    zk.stop(); zk.close()
    plain = KazooClient(hosts=hosts, timeout=2)
    try:
        plain.start(timeout=3); out["plain"] = "connected"
    except KazooTimeoutError:
        out["plain"] = "refused"
    finally:
        plain.stop(); plain.close()
print(json.dumps(out))
`;

async function kazoo(phase: string, args: string[]): Promise<Record<string, unknown>> {
  const result = await runProgram(python, ["-c", kazooScript, phase, ...args], {
    timeoutMs: 60_000,
  });
  assert.equal(result.exitCode, 0, `kazoo ${phase} failed: ${result.stderr}`);
  const last = result.stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(last) as Record<string, unknown>;
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const kazooSkip = kazooMissing();

test("a full disk makes the member read-only; a restart recovers every acknowledged write", {
  timeout: 180_000,
}, async (t) => {
  // Session expiry must not interfere: the TS client's session outlives the test.
  const extraConfig = ["maxSessionTimeout=60000"];
  let server: CorralServer = await startCorralServer({ entry: launcher, extraConfig });
  const dataDir = server.dataDir;
  const clients: ZooKeeperClient[] = [];
  try {
    // ---- healthy: writes are acknowledged ----
    const acked = new Map<string, string>();
    const writerClient = await ZooKeeperClient.connect(server.connectString, {
      sessionTimeoutMs: 30_000,
    });
    clients.push(writerClient);
    await writerClient.create("/app", "");
    acked.set("/app", "");
    for (let i = 0; i < 10; i++) {
      await writerClient.create(`/app/n${i}`, `v${i}`);
      acked.set(`/app/n${i}`, `v${i}`);
    }
    if (kazooSkip === undefined) {
      const written = await kazoo("write", [server.connectString]);
      acked.set("/kazoo", "");
      for (const [path, data] of Object.entries(written.acked as Record<string, string>)) {
        acked.set(path, data);
      }
    }
    assert.equal(await fourLetterWord(server.port, "isro"), "rw");

    // ---- the disk fills up ----
    server.process.kill("SIGUSR2");
    await until(() => /test disk: failing/.test(server.logs()), "the trigger to land");
    // One write and the reads pipelined behind it on the same connection: none may hang.
    const inFlight = [
      writerClient.create("/app/lost", "unacknowledged"),
      writerClient.getData("/app/n0"),
      writerClient.exists("/app/n1"),
      writerClient.getChildren("/app"),
    ];
    const outcomes = await within(Promise.allSettled(inFlight), 15_000, "requests in flight");
    for (const [i, outcome] of outcomes.entries()) {
      assert.equal(outcome.status, "rejected", `request ${i} succeeded on a failed member`);
      assert.ok(
        outcome.status === "rejected" && outcome.reason instanceof ConnectionLossError,
        `request ${i}: ${outcome.status === "rejected" ? outcome.reason : ""}`,
      );
    }
    await until(() => /now read-only/.test(server.logs()), "the read-only log line");
    const errorLines = server
      .logs()
      .split("\n")
      .filter((l) => /ERROR .*now read-only/.test(l));
    assert.equal(errorLines.length, 1, errorLines.join("\n"));
    assert.match(errorLines[0], /until it is restarted on a healthy disk/);
    assert.match(errorLines[0], /code=ENOSPC/);

    // ---- read-only: four-letter words ----
    assert.equal(await fourLetterWord(server.port, "isro"), "ro");
    const srvr = await fourLetterWord(server.port, "srvr");
    assert.match(srvr, /\nREAD-ONLY mode; serving only read-only clients\n/);
    assert.match(srvr, /\nMode: read-only\n/);

    // ---- clients that do not accept a read-only server are refused without a reply ----
    for (const readOnly of [null, false]) {
      const conn = await RawConnection.open(server.port);
      assert.equal(await conn.handshake({ readOnly }), null, `readOnly ${readOnly} got a session`);
    }

    // ---- a read-only TS client reads and gets NotReadOnly for writes ----
    const reader = await within(
      ZooKeeperClient.connect(server.connectString, { canBeReadOnly: true }),
      15_000,
      "read-only connect",
    );
    clients.push(reader);
    assert.equal(reader.state, "readOnly");
    for (const [path, data] of acked) {
      assert.equal((await reader.getData(path)).data.toString(), data, path);
    }
    await assert.rejects(reader.create("/app/new", "x"), NotReadOnlyError);
    await assert.rejects(reader.setData("/app/n0", "changed"), NotReadOnlyError);
    await assert.rejects(reader.delete("/app/n1"), NotReadOnlyError);
    await assert.rejects(reader.sync("/app"), NotReadOnlyError);
    assert.equal((await reader.getData("/app/n0")).data.toString(), "v0");
    // A raw pipelined write and read: NotReadOnly, then the read, on the same connection.
    const raw = await RawConnection.open(server.port);
    assert.equal((await raw.handshake({ readOnly: true }))?.readOnly, true);
    const w = new Writer(4096);
    raw.write(encodeRequest(w, 7, 2, { path: "/app/n2", version: -1 }));
    raw.write(encodeRequest(w, 8, 4, { path: "/app/n2", watch: false }));
    assert.deepEqual([(await raw.replyHeader())?.err, (await raw.replyHeader())?.err], [-119, 0]);
    raw.destroy();

    // ---- kazoo ----
    await t.test(
      "kazoo read_only client reads; writes raise NotReadOnlyCallError",
      {
        skip: peerSkip(kazooSkip),
      },
      async () => {
        const out = await kazoo("readonly", [
          server.connectString,
          JSON.stringify([...acked.keys()].filter((p) => p.startsWith("/kazoo/"))),
        ]);
        t.diagnostic(`kazoo: ${JSON.stringify(out)}`);
        assert.equal(out.state, "CONNECTED_RO");
        for (const [path, data] of Object.entries(out.data as Record<string, string>)) {
          assert.equal(data, acked.get(path), path);
        }
        assert.deepEqual(out.children, ["k0", "k1", "k2", "k3", "k4"]);
        for (const [name, result] of Object.entries(out.writes as Record<string, string>)) {
          assert.equal(result, "NotReadOnlyCallError", name);
        }
        assert.equal(out.after, "kazoo-0");
        assert.equal(out.plain, "refused", "kazoo without read_only got a session");
      },
    );

    // ---- kill -9 and restart the normal server on the same data ----
    for (const c of clients.splice(0)) await c.close();
    await server.kill();
    server = await startCorralServer({ dataDir, extraConfig });
    const logs = server.logs();
    assert.match(logs, /truncating torn WAL tail/, "the torn write was not found at recovery");
    const after = await ZooKeeperClient.connect(server.connectString, {});
    clients.push(after);
    assert.equal(after.state, "connected");
    for (const [path, data] of acked) {
      assert.equal((await after.getData(path)).data.toString(), data, `${path} after restart`);
    }
    assert.equal(await after.exists("/app/lost"), null, "the torn, unacknowledged write");
    await after.create("/app/after-restart", "ok");
    assert.equal(await fourLetterWord(server.port, "isro"), "rw");
  } catch (e) {
    t.diagnostic(`server log tail:\n${server.logs().slice(-6000)}`);
    throw e;
  } finally {
    for (const c of clients) await c.close().catch(() => {});
    await server.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
