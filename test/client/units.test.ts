// Proves the client's pure pieces without a server: connect-string parsing (hosts, ports,
// IPv6, chroot) and shuffling, path validation and chroot arithmetic, the retry policy's
// bounded exponential backoff, the frame splitter on every chunking of a stream, the watch
// registry's materialization rules and its removals, the typed error table, the event queue,
// and the pieces split out of the client: the setWatches batching of a reconnect, the wire
// form of multi operations, the shaping of multi replies, and the credentials' reply order.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConnectString, shuffleHosts } from "../../src/client/connect-string.js";
import { Credentials } from "../../src/client/credentials.js";
import {
  BadArgumentsError,
  ClientClosedError,
  ConnectionLossError,
  errorForCode,
  isRetriable,
  NoNodeError,
  ZooKeeperError,
} from "../../src/client/errors.js";
import { EventQueue } from "../../src/client/event-queue.js";
import { FrameSplitter } from "../../src/client/frame-splitter.js";
import { createOp, readOps, transactionOps } from "../../src/client/multi-ops.js";
import { clientPathOf, prependChroot, stripChroot, validatePath } from "../../src/client/paths.js";
import { shapeMulti } from "../../src/client/replies.js";
import { WatchTarget } from "../../src/client/request.js";
import { ExponentialBackoff, withRetry } from "../../src/client/retry.js";
import { setWatchesRequests } from "../../src/client/set-watches.js";
import type { Watcher } from "../../src/client/types.js";
import { WatchRegistry } from "../../src/client/watch-registry.js";
import { ErrorCode, EventType, errorCodeName, OpCode } from "../../src/protocol/constants.js";

test("connect strings: hosts, default port, IPv6, chroot", () => {
  assert.deepEqual(parseConnectString("a:1,b,[::1]:3/app/x"), {
    hosts: [
      { host: "a", port: 1 },
      { host: "b", port: 2181 },
      { host: "::1", port: 3 },
    ],
    chroot: "/app/x",
  });
  assert.equal(parseConnectString("h:1/").chroot, "");
  assert.throws(() => parseConnectString(""), BadArgumentsError);
  assert.throws(() => parseConnectString("h:99999"), BadArgumentsError);
  assert.throws(() => parseConnectString("h:1/bad/"), BadArgumentsError);
  const hosts = parseConnectString("a,b,c,d,e").hosts;
  let seed = 7;
  const random = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const shuffled = shuffleHosts(hosts, random);
  assert.deepEqual(shuffled.map((h) => h.host).sort(), ["a", "b", "c", "d", "e"]);
  assert.notDeepEqual(shuffled, hosts);
});

test("paths: validation as the Java client, chroot in and out", () => {
  for (const ok of ["/", "/a", "/a/b", "/.x", "/a..", "/ü"]) validatePath(ok);
  for (const bad of ["", "a", "/a/", "//", "/a//b", "/.", "/a/..", "/a\u0000", "/\ud800"]) {
    assert.throws(() => validatePath(bad), BadArgumentsError, bad);
  }
  validatePath("/q/", true);
  assert.equal(prependChroot("/c", "/"), "/c");
  assert.equal(prependChroot("/c", "/x"), "/c/x");
  assert.equal(stripChroot("/c", "/c"), "/");
  assert.equal(stripChroot("/c", "/c/x"), "/x");
  assert.equal(stripChroot("/c", "/cx"), "/cx");
});

test("exponential backoff doubles, caps and stops", () => {
  const policy = new ExponentialBackoff({
    baseDelayMs: 10,
    maxDelayMs: 50,
    maxRetries: 4,
    jitter: 0,
  });
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((n) => policy.delayMs(n, 0)),
    [10, 20, 40, 50, undefined],
  );
  const jittered = new ExponentialBackoff({ baseDelayMs: 100, jitter: 0.5, random: () => 0 });
  assert.equal(jittered.delayMs(1, 0), 50);
  assert.equal(new ExponentialBackoff({ maxElapsedMs: 10 }).delayMs(1, 11), undefined);
});

test("withRetry retries retriable errors only, then gives up with the last error", async () => {
  let calls = 0;
  const value = await withRetry(
    async () => {
      calls++;
      if (calls < 3) throw new ConnectionLossError();
      return "ok";
    },
    { policy: new ExponentialBackoff({ baseDelayMs: 1, maxDelayMs: 2 }) },
  );
  assert.equal(value, "ok");
  assert.equal(calls, 3);
  calls = 0;
  await assert.rejects(
    withRetry(async () => {
      calls++;
      throw new NoNodeError("/x");
    }),
    NoNodeError,
  );
  assert.equal(calls, 1);
  await assert.rejects(
    withRetry(
      async () => {
        throw new ConnectionLossError();
      },
      { policy: new ExponentialBackoff({ baseDelayMs: 1, maxRetries: 2 }) },
    ),
    ConnectionLossError,
  );
  assert.equal(isRetriable(new ClientClosedError()), false);
});

test("every ZooKeeper error code maps to its own class", () => {
  const names = new Set<string>();
  for (const [code, name] of errorCodeName) {
    if (code === 0) continue;
    const e = errorForCode(code, "/p");
    assert.ok(e instanceof ZooKeeperError);
    assert.equal(e.code, code);
    assert.equal(e.codeName, name);
    assert.notEqual(e.constructor, ZooKeeperError, `code ${code} has no class`);
    names.add(e.name);
  }
  assert.equal(names.size, errorCodeName.size - 1);
  assert.ok(errorForCode(ErrorCode.noNode) instanceof NoNodeError);
  assert.equal(errorForCode(-999).codeName, "UNKNOWN(-999)");
});

test("the frame splitter yields the same frames for every way of chunking", () => {
  const frames = [
    Buffer.from("a"),
    Buffer.alloc(0),
    Buffer.from("hello world"),
    Buffer.alloc(300, 7),
  ];
  const stream = Buffer.concat(
    frames.flatMap((f) => {
      const len = Buffer.alloc(4);
      len.writeInt32BE(f.length);
      return [len, f];
    }),
  );
  for (const size of [1, 2, 3, 5, 7, 64, stream.length]) {
    const got: Buffer[] = [];
    const splitter = new FrameSplitter(
      {
        frame: (b, s, e) => {
          got.push(Buffer.from(b.subarray(s, e)));
          return true;
        },
        badLength: () => assert.fail("bad length"),
      },
      1000,
    );
    for (let i = 0; i < stream.length; i += size) splitter.push(stream.subarray(i, i + size));
    assert.deepEqual(got, frames, `chunk size ${size}`);
  }
  let bad = -2;
  const splitter = new FrameSplitter(
    {
      frame: () => true,
      badLength: (l) => {
        bad = l;
      },
    },
    10,
  );
  splitter.push(Buffer.from([0, 0, 0, 11]));
  assert.equal(bad, 11);
});

test("watch registry materializes as the Java client does", () => {
  const reg = new WatchRegistry();
  const calls: string[] = [];
  const w =
    (name: string): Watcher =>
    () =>
      calls.push(name);
  const data = w("data");
  const exist = w("exist");
  const child = w("child");
  const pers = w("pers");
  const rec = w("rec");
  reg.add(reg.data, "/a", data);
  reg.add(reg.exist, "/a", exist);
  reg.add(reg.child, "/a", child);
  reg.add(reg.persistent, "/a", pers);
  reg.add(reg.persistentRecursive, "/", rec);
  const names = (set: Set<Watcher>): string[] => {
    calls.length = 0;
    for (const f of set) f({ type: 0, state: 0, path: "" });
    return calls.slice().sort();
  };
  assert.deepEqual(names(reg.materialize(EventType.nodeChildrenChanged, "/a")), ["child", "pers"]);
  assert.deepEqual(names(reg.materialize(EventType.nodeDataChanged, "/a")), [
    "data",
    "exist",
    "pers",
    "rec",
  ]);
  assert.deepEqual(names(reg.materialize(EventType.nodeDataChanged, "/a")), ["pers", "rec"]);
  assert.deepEqual(names(reg.materialize(EventType.nodeCreated, "/a/b/c")), ["rec"]);
  // One callback registered twice runs once.
  reg.add(reg.data, "/z", pers);
  assert.deepEqual(names(reg.materialize(EventType.nodeDeleted, "/z")), ["pers", "rec"]);
  assert.deepEqual(names(reg.drainAll()), ["pers", "rec"]);
  assert.ok(reg.empty);
});

test("getConfig's watch stays on the server's /zookeeper/config under a chroot", () => {
  const reg = new WatchRegistry("/app");
  const config: Watcher = () => {};
  const node: Watcher = () => {};
  reg.register(WatchTarget.config, "/zookeeper/config", config);
  // A data watch on the client path /zookeeper/config is the node /app/zookeeper/config.
  reg.register(WatchTarget.data, "/zookeeper/config", node);
  // A reconnect re-registers both, each at its own server path (3.8's Java client sent the
  // config watch as /app/zookeeper/config, ZOOKEEPER-4601).
  const [req] = setWatchesRequests(reg, "/app", 7);
  assert.deepEqual(req.body.dataWatches, ["/zookeeper/config", "/app/zookeeper/config"]);
  // The config node's change fires getConfig's watch only; a children change fires nothing.
  assert.equal(reg.takeConfig(EventType.nodeChildrenChanged, "/zookeeper/config"), null);
  assert.deepEqual(
    [...(reg.takeConfig(EventType.nodeDataChanged, "/zookeeper/config") ?? [])],
    [config],
  );
  assert.equal(reg.takeConfig(EventType.nodeDataChanged, "/zookeeper/config"), null);
  assert.ok(reg.has(reg.data, "/zookeeper/config", node));
  assert.equal(clientPathOf("/app", "/zookeeper/config"), null);
  assert.equal(clientPathOf("/app", "/app/zookeeper/config"), "/zookeeper/config");

  // Under the chroot /zookeeper the two name the same server node: one path in setWatches,
  // and removeWatches of the client path /config takes getConfig's watch too.
  const under = new WatchRegistry("/zookeeper");
  under.register(WatchTarget.config, "/zookeeper/config", config);
  under.register(WatchTarget.data, "/config", node);
  assert.deepEqual(setWatchesRequests(under, "/zookeeper", 7)[0].body.dataWatches, [
    "/zookeeper/config",
  ]);
  assert.ok(under.hasOfType("/config", "data", config));
  assert.equal(under.removeOfType("/config", "data").length, 2);
  assert.ok(under.empty);
  // Without a chroot, the session's end tells getConfig's watch like every other.
  const plain = new WatchRegistry();
  plain.register(WatchTarget.config, "/zookeeper/config", config);
  assert.ok(!plain.empty);
  assert.deepEqual([...plain.drainAll()], [config]);
});

test("event queue buffers, ends and fails", async () => {
  let cleaned = 0;
  const q = new EventQueue<number>(() => cleaned++);
  q.push(1);
  q.push(2);
  const seen: number[] = [];
  const loop = (async () => {
    for await (const n of q) seen.push(n);
  })();
  await new Promise((r) => setImmediate(r));
  q.push(3);
  q.end();
  await loop;
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(cleaned, 1);
  const failing = new EventQueue<number>();
  failing.fail(new Error("boom"));
  await assert.rejects(failing.next(), /boom/);
});

test("watch registry removes by watcher type, as removeWatches names them", () => {
  const reg = new WatchRegistry();
  const a: Watcher = () => {};
  const b: Watcher = () => {};
  reg.add(reg.data, "/n", a);
  reg.add(reg.exist, "/n", a);
  reg.add(reg.child, "/n", b);
  reg.add(reg.persistent, "/n", b);
  assert.ok(reg.hasOfType("/n", "data", a));
  assert.ok(!reg.hasOfType("/n", "children", a));
  assert.ok(reg.hasOfType("/n", "any", b));
  // One watcher from the data kind: it is taken from both the data and the exist table.
  const removed = reg.removeOfType("/n", "data", a);
  assert.deepEqual(
    removed.map(([set, type]) => [[...set], type]),
    [
      [[a], EventType.dataWatchRemoved],
      [[a], EventType.dataWatchRemoved],
    ],
  );
  assert.ok(reg.hasAnyAt("/n"));
  // Every kind, every watcher: what is left goes, table by table.
  assert.deepEqual(
    reg.removeOfType("/n", "any").map(([, type]) => type),
    [EventType.childWatchRemoved, EventType.persistentWatchRemoved],
  );
  assert.ok(!reg.hasAnyAt("/n"));
  assert.ok(reg.empty);
});

test("reconnect setWatches: chroot, setWatches2 only with persistent watches, 128 KiB split", () => {
  const reg = new WatchRegistry();
  const w: Watcher = () => {};
  assert.deepEqual(setWatchesRequests(reg, "/app", 7), []);
  reg.add(reg.data, "/d", w);
  reg.add(reg.exist, "/e", w);
  reg.add(reg.child, "/", w);
  assert.deepEqual(setWatchesRequests(reg, "/app", 7), [
    {
      opcode: OpCode.setWatches,
      body: {
        relativeZxid: 7,
        dataWatches: ["/app/d"],
        existWatches: ["/app/e"],
        childWatches: ["/app"],
      },
    },
  ]);
  reg.add(reg.persistentRecursive, "/r", w);
  const [second] = setWatchesRequests(reg, "", 7);
  assert.equal(second.opcode, OpCode.setWatches2);
  assert.deepEqual(second.body, {
    relativeZxid: 7,
    dataWatches: ["/d"],
    existWatches: ["/e"],
    childWatches: ["/"],
    persistentWatches: [],
    persistentRecursiveWatches: ["/r"],
  });
  // 3000 paths of 100 characters: a request closes once it holds 128 KiB of path text.
  const many = new WatchRegistry();
  const paths: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const path = `/${String(i).padStart(99, "0")}`;
    paths.push(path);
    many.add(many.data, path, w);
  }
  const requests = setWatchesRequests(many, "", 1);
  assert.equal(requests.length, 3);
  assert.deepEqual(
    requests.map((r) => r.body.dataWatches.length),
    [1311, 1311, 378],
  );
  assert.deepEqual(
    requests.flatMap((r) => r.body.dataWatches),
    paths,
  );
});

test("multi operations: chroot, create opcodes by mode, paths for the errors", () => {
  const paths: string[] = [];
  const wire = transactionOps(
    [
      {
        type: "create",
        path: "/c",
        data: null,
        acl: undefined,
        mode: "container",
        ttlMs: undefined,
      },
      {
        type: "create",
        path: "/t",
        data: null,
        acl: undefined,
        mode: "persistentWithTTL",
        ttlMs: 5,
      },
      { type: "check", path: "/k", version: 3 },
    ],
    "/root",
    paths,
  );
  assert.deepEqual(
    wire.map((op) => [op.type, op.request.path]),
    [
      [OpCode.createContainer, "/root/c"],
      [OpCode.createTTL, "/root/t"],
      [OpCode.check, "/root/k"],
    ],
  );
  assert.deepEqual(paths, ["/c", "/t", "/k"]);
  assert.throws(
    () =>
      transactionOps(
        [
          {
            type: "create",
            path: "/t",
            data: null,
            acl: undefined,
            mode: "persistentWithTTL",
            ttlMs: undefined,
          },
        ],
        "",
        [],
      ),
    BadArgumentsError,
  );
  assert.throws(
    () => transactionOps([{ type: "delete", path: "no-slash", version: -1 }], "", []),
    BadArgumentsError,
  );
  // create() and a transaction's create share one builder, so they refuse the same things.
  const create = (mode: string, ttlMs: number | undefined) =>
    transactionOps(
      [{ type: "create", path: "/x", data: null, acl: undefined, mode: mode as never, ttlMs }],
      "",
      [],
    );
  assert.throws(() => create("frozen", undefined), /unknown create mode frozen/);
  assert.throws(() => create("persistent", 5), /ttlMs needs a TTL mode/);
  assert.throws(
    () => createOp("/x", "persistentSequentialWithTTL", undefined, null, undefined, ""),
    /TTL modes need ttlMs/,
  );
  assert.deepEqual(
    createOp("/s/", "persistentSequential", undefined, null, undefined, "/r").request.path,
    "/r/s/",
  );
  assert.throws(() => readOps([{ type: "getData", path: "/a//b" }], "", []), BadArgumentsError);
  const readPaths: string[] = [];
  assert.deepEqual(readOps([{ type: "getChildren", path: "/" }], "/root", readPaths), [
    { type: OpCode.getChildren, request: { path: "/root", watch: false } },
  ]);
  assert.deepEqual(readPaths, ["/"]);
});

test("a failed multi reply throws the first failing operation's error with every outcome", () => {
  const ok = shapeMulti(
    [
      { type: OpCode.create2, response: { path: "/root/a", stat: null as never } },
      { type: OpCode.delete, response: null },
    ],
    ["/a", "/b"],
    "/root",
  );
  assert.deepEqual(ok, [{ type: "create", path: "/a", stat: null }, { type: "delete" }]);
  assert.throws(
    () =>
      shapeMulti(
        [
          { type: OpCode.error, err: ErrorCode.ok },
          { type: OpCode.error, err: ErrorCode.noNode },
          { type: OpCode.error, err: ErrorCode.runtimeInconsistency },
        ],
        ["/a", "/b", "/c"],
        "",
      ),
    (e: unknown) => {
      assert.ok(e instanceof NoNodeError);
      assert.equal(e.path, "/b");
      assert.equal(e.failedOpIndex, 1);
      assert.equal(e.opResults?.length, 3);
      return true;
    },
  );
});

test("credentials: replies settle them in send order; a refused one is forgotten", async () => {
  const credentials = new Credentials();
  const kept = credentials.add("digest", "u:p", null);
  const settled: string[] = [];
  const refused = credentials.add("digest", "x:y", {
    resolve: () => settled.push("resolved"),
    reject: (e) => settled.push(e instanceof Error ? e.constructor.name : String(e)),
  });
  credentials.sent(kept);
  credentials.sent(refused);
  assert.equal(credentials.answer(0), true);
  assert.equal(credentials.answer(ErrorCode.authFailed), false);
  assert.deepEqual(settled, ["AuthFailedError"]);
  assert.deepEqual(credentials.all, [kept]);
  assert.deepEqual([...kept.auth], [...Buffer.from("u:p")]);
});
