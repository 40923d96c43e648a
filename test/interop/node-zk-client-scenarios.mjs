// Scenarios for node-zookeeper-client 1.1.3 (npm), a client that speaks the 3.4 protocol:
// its handshake has no readOnly byte, so the server must answer without one, and its xids
// start at 0. Usage: node node-zk-client-scenarios.mjs host:port
//
// Covers connect, create (all 3.4 modes, sequence numbers), getData/setData/remove with
// versions and errors, exists, getChildren with Stat, data/exists/child watches, a
// transaction that succeeds and one that fails, ACLs and digest auth, mkdirp, and ephemeral
// cleanup when a session closes. Output: one JSON line per check, then {"done":true}; see
// scenario-program.ts.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const zookeeper = require("node-zookeeper-client");
const { ACL, Id, Permission, CreateMode } = zookeeper;

const hosts = process.argv[2];
const waitMs = 15_000;
const openClients = [];

function emit(record) {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

function check(name, actual, expected) {
  emit({ check: name, ok: JSON.stringify(actual) === JSON.stringify(expected), expected, actual });
}

/** Promisifies a callback-last client call; resolves [error, ...results] without throwing. */
function call(fn, ...args) {
  return new Promise((resolve) => fn(...args, (...res) => resolve(res)));
}

/** Runs a client call and reports its error name, or "OK". */
async function code(fn, ...args) {
  const [error] = await call(fn, ...args);
  return error ? error.name : "OK";
}

async function ok(fn, ...args) {
  const [error, ...rest] = await call(fn, ...args);
  if (error) throw new Error(`unexpected ${error.name ?? error}`);
  return rest;
}

function withTimeout(promise, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), waitMs);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function connect() {
  const client = zookeeper.createClient(hosts, {
    sessionTimeout: 10_000,
    spinDelay: 100,
    retries: 0,
  });
  const connected = new Promise((resolve) => client.once("connected", resolve));
  client.connect();
  await withTimeout(connected, "connection");
  openClients.push(client);
  return client;
}

async function close(client) {
  const closed = new Promise((resolve) => client.once("disconnected", resolve));
  client.close();
  await withTimeout(closed, "close");
  openClients.splice(openClients.indexOf(client), 1);
}

/** Collects watch events as [NAME, path]. */
class Events {
  constructor() {
    this.queue = [];
    this.waiters = [];
    this.watcher = (event) => this.push([event.getName(), event.getPath()]);
  }
  push(e) {
    const w = this.waiters.shift();
    if (w) w(e);
    else this.queue.push(e);
  }
  next() {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift());
    return withTimeout(new Promise((resolve) => this.waiters.push(resolve)), "watch event").catch(
      () => ["timeout"],
    );
  }
}

const buf = (s) => Buffer.from(s);
const str = (b) => (b === null || b === undefined ? null : b.toString());

// ---------------------------------------------------------------------------------------

const scenarios = {
  async session(zk) {
    check("session/timeout negotiated", zk.getSessionTimeout(), 10_000);
    check("session/id is 8 bytes", zk.getSessionId().length, 8);
    check("session/password is 16 bytes", zk.getSessionPassword().length, 16);
    check("session/state", zk.getState().getName(), "SYNC_CONNECTED");
  },

  async crud(zk) {
    const [path] = await ok(
      zk.create.bind(zk),
      "/n",
      buf("v0"),
      ACL.OPEN_ACL_UNSAFE,
      CreateMode.PERSISTENT,
    );
    check("crud/create returns path", path, "/n");
    check("crud/create existing", await code(zk.create.bind(zk), "/n"), "NODE_EXISTS");
    check("crud/create without parent", await code(zk.create.bind(zk), "/n/a/b"), "NO_NODE");
    const [data, stat] = await ok(zk.getData.bind(zk), "/n");
    check("crud/get data", str(data), "v0");
    check(
      "crud/get stat",
      [stat.version, stat.cversion, stat.aversion, stat.dataLength, stat.numChildren],
      [0, 0, 0, 2, 0],
    );
    const [stat1] = await ok(zk.setData.bind(zk), "/n", buf("v1"), 0);
    check("crud/set with version", stat1.version, 1);
    check(
      "crud/set wrong version",
      await code(zk.setData.bind(zk), "/n", buf("x"), 0),
      "BAD_VERSION",
    );
    check("crud/set missing", await code(zk.setData.bind(zk), "/none", buf("x"), -1), "NO_NODE");
    check("crud/get missing", await code(zk.getData.bind(zk), "/none"), "NO_NODE");
    const [s1] = await ok(
      zk.create.bind(zk),
      "/n/s-",
      null,
      ACL.OPEN_ACL_UNSAFE,
      CreateMode.PERSISTENT_SEQUENTIAL,
    );
    const [s2] = await ok(
      zk.create.bind(zk),
      "/n/s-",
      null,
      ACL.OPEN_ACL_UNSAFE,
      CreateMode.PERSISTENT_SEQUENTIAL,
    );
    check("crud/sequence numbers", [s1, s2], ["/n/s-0000000000", "/n/s-0000000001"]);
    const [e1] = await ok(
      zk.create.bind(zk),
      "/n/e-",
      null,
      ACL.OPEN_ACL_UNSAFE,
      CreateMode.EPHEMERAL_SEQUENTIAL,
    );
    check("crud/ephemeral sequential", e1, "/n/e-0000000002");
    const [estat] = await ok(zk.exists.bind(zk), e1);
    check(
      "crud/ephemeral owner is session",
      estat.ephemeralOwner.toString("hex"),
      zk.getSessionId().toString("hex"),
    );
    check(
      "crud/child of ephemeral",
      await code(zk.create.bind(zk), `${e1}/x`),
      "NO_CHILDREN_FOR_EPHEMERALS",
    );
    const [nullData] = await ok(zk.getData.bind(zk), s1);
    check("crud/no data reads as empty", nullData == null || nullData.length === 0, true);
    const [children, cstat] = await ok(zk.getChildren.bind(zk), "/n");
    check("crud/children", [...children].sort(), ["e-0000000002", "s-0000000000", "s-0000000001"]);
    check("crud/children stat", [cstat.numChildren, cstat.cversion], [3, 3]);
    const [missing] = await ok(zk.exists.bind(zk), "/none");
    check("crud/exists missing is null", missing, null);
    check("crud/remove non-empty", await code(zk.remove.bind(zk), "/n", -1), "NOT_EMPTY");
    check("crud/remove wrong version", await code(zk.remove.bind(zk), s1, 3), "BAD_VERSION");
    check("crud/remove", await code(zk.remove.bind(zk), s1, 0), "OK");
    check("crud/remove missing", await code(zk.remove.bind(zk), s1, -1), "NO_NODE");
    await ok(zk.mkdirp.bind(zk), "/deep/a/b/c", buf("leaf"));
    const [leaf] = await ok(zk.getData.bind(zk), "/deep/a/b/c");
    check("crud/mkdirp", str(leaf), "leaf");
    const big = Buffer.alloc(400 * 1024, 7);
    await ok(zk.setData.bind(zk), "/deep", big, -1);
    const [bigBack] = await ok(zk.getData.bind(zk), "/deep");
    check("crud/400 KiB round trip", bigBack.equals(big), true);
  },

  async watches(zk) {
    const writer = await connect();
    const ev = new Events();
    await ok(zk.create.bind(zk), "/w");
    await ok(zk.getData.bind(zk), "/w", ev.watcher);
    await ok(writer.setData.bind(writer), "/w", buf("1"), -1);
    check("watches/data changed", await ev.next(), ["NODE_DATA_CHANGED", "/w"]);
    const [none] = await ok(zk.exists.bind(zk), "/w/x", ev.watcher);
    check("watches/exists on missing", none, null);
    await ok(writer.create.bind(writer), "/w/x");
    check("watches/created", await ev.next(), ["NODE_CREATED", "/w/x"]);
    await ok(zk.getChildren.bind(zk), "/w", ev.watcher);
    await ok(writer.create.bind(writer), "/w/y");
    check("watches/children changed", await ev.next(), ["NODE_CHILDREN_CHANGED", "/w"]);
    await ok(zk.exists.bind(zk), "/w/y", ev.watcher);
    await ok(writer.remove.bind(writer), "/w/y", -1);
    check("watches/deleted", await ev.next(), ["NODE_DELETED", "/w/y"]);
    // One-shot: a second change is not reported; a fresh watch on a marker node proves that
    // every earlier notification has arrived.
    await ok(writer.setData.bind(writer), "/w", buf("2"), -1);
    await ok(zk.exists.bind(zk), "/w-fence", ev.watcher);
    await ok(writer.create.bind(writer), "/w-fence");
    check("watches/one-shot", await ev.next(), ["NODE_CREATED", "/w-fence"]);
    await close(writer);
  },

  async transaction(zk) {
    await ok(zk.create.bind(zk), "/t", buf("0"));
    const [error, results] = await call((cb) =>
      zk
        .transaction()
        .create("/t/a", buf("a"))
        .create("/t/s-", null, ACL.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_SEQUENTIAL)
        .setData("/t/a", buf("a1"), 0)
        .check("/t", 0)
        .remove("/t/a", 1)
        .commit(cb),
    );
    check("transaction/success", error ? error.name : "OK", "OK");
    check(
      "txn/result types",
      (results ?? []).map((r) => r.type),
      [1, 1, 5, 13, 2],
    );
    check(
      "txn/created paths",
      [results?.[0]?.path, results?.[1]?.path],
      ["/t/a", "/t/s-0000000001"],
    );
    const [kids] = await ok(zk.getChildren.bind(zk), "/t");
    check("transaction/applied", kids, ["s-0000000001"]);
    const [error2, results2] = await call((cb) =>
      zk.transaction().create("/t/b").check("/t", 7).remove("/t/s-0000000001").commit(cb),
    );
    check("transaction/failure code", error2 ? error2.name : "OK", "BAD_VERSION");
    check(
      "txn/failure results",
      (results2 ?? []).map((r) => [r.type, r.err]),
      [
        [-1, 0],
        [-1, -103],
        [-1, -2],
      ],
    );
    const [kids2] = await ok(zk.getChildren.bind(zk), "/t");
    check("transaction/nothing applied", kids2, ["s-0000000001"]);
  },

  async acl(zk) {
    const alice = await connect();
    alice.addAuthInfo("digest", buf("alice:secret"));
    const digestAcl = [
      new ACL(Permission.ALL, new Id("digest", "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=")),
    ];
    await ok(alice.create.bind(alice), "/acl", buf("private"), digestAcl, CreateMode.PERSISTENT);
    check("acl/read without auth", await code(zk.getData.bind(zk), "/acl"), "NO_AUTH");
    check(
      "acl/write without auth",
      await code(zk.setData.bind(zk), "/acl", buf("x"), -1),
      "NO_AUTH",
    );
    const [data] = await ok(alice.getData.bind(alice), "/acl");
    check("acl/read with auth", str(data), "private");
    const [acls, stat] = await ok(alice.getACL.bind(alice), "/acl");
    check(
      "acl/getACL",
      acls.map((a) => [a.permission, a.id.scheme, a.id.id]),
      [[31, "digest", "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E="]],
    );
    check("acl/aversion", stat.aversion, 0);
    const readOnly = [new ACL(Permission.READ, Id.ANYONE_ID_UNSAFE ?? new Id("world", "anyone"))];
    check(
      "acl/setACL wrong version",
      await code(alice.setACL.bind(alice), "/acl", readOnly, 3),
      "BAD_VERSION",
    );
    const [st] = await ok(alice.setACL.bind(alice), "/acl", readOnly, 0);
    check("acl/setACL bumps aversion", st.aversion, 1);
    const [open] = await ok(zk.getData.bind(zk), "/acl");
    check("acl/world readable now", str(open), "private");
    check(
      "acl/still not writable",
      await code(zk.setData.bind(zk), "/acl", buf("x"), -1),
      "NO_AUTH",
    );
    check(
      "acl/invalid acl",
      await code(
        zk.create.bind(zk),
        "/acl2",
        null,
        [new ACL(31, new Id("world", "nobody"))],
        CreateMode.PERSISTENT,
      ),
      "INVALID_ACL",
    );
    await close(alice);
  },

  async ephemerals(zk) {
    const owner = await connect();
    const ev = new Events();
    await ok(zk.create.bind(zk), "/eph");
    await ok(owner.create.bind(owner), "/eph/a", null, ACL.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
    await ok(zk.exists.bind(zk), "/eph/a", ev.watcher);
    await close(owner);
    check("ephemerals/deleted on close", await ev.next(), ["NODE_DELETED", "/eph/a"]);
    const [kids] = await ok(zk.getChildren.bind(zk), "/eph");
    check("ephemerals/gone", kids, []);
  },
};

async function main() {
  const zk = await connect();
  for (const [name, fn] of Object.entries(scenarios)) {
    try {
      await fn(zk);
    } catch (error) {
      emit({ check: `${name}/completed`, ok: false, error: String(error?.stack ?? error) });
    }
  }
  for (const c of [...openClients]) await close(c);
  emit({ done: true });
  process.exit(0);
}

main().catch((error) => {
  emit({ check: "main/completed", ok: false, error: String(error?.stack ?? error) });
  process.exit(1);
});
