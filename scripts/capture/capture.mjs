// Records real ZooKeeper wire traffic as golden vectors for test/protocol/golden.test.ts.
//
//   node scripts/capture/capture.mjs [output.json]
//
// What it does, in order:
//   1. starts the real Apache ZooKeeper server of the Debian `zookeeper` package (3.8.0)
//      standalone, on a free 127.0.0.1 port, with a temporary dataDir and
//      extendedTypesEnabled=true (so TTL nodes work);
//   2. starts a recording TCP proxy in front of it: every byte in both directions is split
//      into frames (4-byte length prefix) and kept per TCP connection, in arrival order. A
//      client frame containing "__drop__" is not forwarded: the proxy cuts the connection,
//      which makes the client reconnect, resume its session and resend its watches;
//   3. drives three clients through the proxy: the Java client (JavaDriver.java, every
//      opcode it has, errors, auth, watches, multi, reconnects, ping, close), kazoo
//      (kazoo_driver.py), and hand-built raw frames from this script for what no installed
//      client sends: the 44-byte handshake without the readOnly byte, failed resumes in both
//      dialects, a successful resume, sasl, deleteContainer, create2/createContainer/createTTL
//      inside multi, empty multis, a mixed multi, SetWatches with xid -8, setWatches2,
//      reconfig with nulls, bad arguments, an unknown opcode, a truncated body and a failed
//      auth;
//   4. writes every conversation as hex to test/protocol/golden/zookeeper-3.8.0.json (or the
//      given path), stops the server and removes the temporary directory.
//
// The Java client is started first on a fresh server and is the only client that creates
// ephemeral nodes: ZooKeeper's first session id has its low 16 bits zero, so every
// ephemeralOwner in the capture is exactly representable as a double and the Stat records
// round-trip byte for byte through Corral's number-typed longs.
//
// Needs: java (17), /usr/share/java/zookeeper.jar, /etc/zookeeper/conf, /usr/bin/python3
// with kazoo. Takes about 20 seconds.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const output = process.argv[2] ?? join(root, "test", "protocol", "golden", "zookeeper-3.8.0.json");
const host = "127.0.0.1";

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, host, resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Sends a four-letter word straight to the server and returns its text answer. */
function fourLetterWord(port, word) {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    let text = "";
    socket.on("connect", () => socket.write(word));
    socket.on("data", (chunk) => {
      text += chunk.toString("utf8");
    });
    socket.on("close", () => resolve(text));
    socket.on("error", () => resolve(""));
  });
}

async function startServer(dir) {
  const port = await freePort();
  const cfg = join(dir, "zoo.cfg");
  writeFileSync(
    cfg,
    [
      "tickTime=2000",
      `dataDir=${join(dir, "data")}`,
      `clientPort=${port}`,
      `clientPortAddress=${host}`,
      "admin.enableServer=false",
      "4lw.commands.whitelist=*",
      "extendedTypesEnabled=true",
      "",
    ].join("\n"),
  );
  const child = spawn(
    "java",
    [
      "-Dzookeeper.extendedTypesEnabled=true",
      `-Dzookeeper.log.dir=${dir}`,
      "-cp",
      "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar",
      "org.apache.zookeeper.server.ZooKeeperServerMain",
      cfg,
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  for (let i = 0; i < 200; i++) {
    if ((await fourLetterWord(port, "ruok")) === "imok") return { child, port };
    await sleep(100);
  }
  child.kill();
  throw new Error("ZooKeeper did not start");
}

/** Splits a byte stream into frames; calls onFrame(frameBytes) for each complete one. */
function framer(onFrame) {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const length = pending.readInt32BE(0);
      if (length < 0 || pending.length < 4 + length) break;
      onFrame(pending.subarray(0, 4 + length));
      pending = pending.subarray(4 + length);
    }
  };
}

function startProxy(upstreamPort, conversations, labelOf) {
  const server = net.createServer((client) => {
    const conversation = { label: labelOf(), frames: [] };
    conversations.push(conversation);
    const upstream = net.connect(upstreamPort, host);
    let cut = false;
    const cutBoth = () => {
      cut = true;
      client.destroy();
      upstream.destroy();
    };
    const fromClient = framer((frame) => {
      if (cut) return;
      conversation.frames.push({ from: "client", hex: frame.toString("hex") });
      if (frame.includes("__drop__")) cutBoth();
      else upstream.write(frame);
    });
    const fromServer = framer((frame) => {
      if (cut) return;
      conversation.frames.push({ from: "server", hex: frame.toString("hex") });
      client.write(frame);
    });
    client.on("data", fromClient);
    upstream.on("data", fromServer);
    client.on("close", () => upstream.end());
    upstream.on("close", () => client.end());
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  return new Promise((resolve) => server.listen(0, host, () => resolve(server)));
}

// A small jute writer of its own, independent of Corral's codec, for the raw frames.
const jute = {
  int(v) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return b;
  },
  long(v) {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt.asIntN(64, BigInt(v)));
    return b;
  },
  bool(v) {
    return Buffer.from([v ? 1 : 0]);
  },
  buf(v) {
    return v === null ? jute.int(-1) : Buffer.concat([jute.int(v.length), v]);
  },
  str(v) {
    return v === null ? jute.int(-1) : jute.buf(Buffer.from(v, "utf8"));
  },
  strs(list) {
    return Buffer.concat([jute.int(list.length), ...list.map((s) => jute.str(s))]);
  },
  acl() {
    return Buffer.concat([jute.int(1), jute.int(31), jute.str("world"), jute.str("anyone")]);
  },
  multiHeader(type, done, err) {
    return Buffer.concat([jute.int(type), jute.bool(done), jute.int(err)]);
  },
  frame(...parts) {
    const body = Buffer.concat(parts);
    return Buffer.concat([jute.int(body.length), body]);
  },
  request(xid, type, ...parts) {
    return jute.frame(jute.int(xid), jute.int(type), ...parts);
  },
};

function connectRequest({ sessionId = 0n, passwd = Buffer.alloc(16), lastZxid = 0, readOnly }) {
  const parts = [jute.int(0), jute.long(lastZxid), jute.int(10000), jute.long(sessionId)];
  parts.push(jute.buf(passwd));
  if (readOnly !== undefined) parts.push(jute.bool(readOnly));
  return jute.frame(...parts);
}

/** A raw client connection that hands out whole frames. */
class RawConnection {
  constructor(port) {
    this.frames = [];
    this.waiters = [];
    this.closed = false;
    this.socket = net.connect(port, host);
    this.socket.on(
      "data",
      framer((frame) => {
        this.frames.push(Buffer.from(frame));
        this.wake();
      }),
    );
    this.socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    this.socket.on("error", () => {});
  }
  wake() {
    for (const w of this.waiters.splice(0)) w();
  }
  /** The next frame, or null once the server closed the connection (or after 5 s). */
  async next() {
    const deadline = Date.now() + 5000;
    while (this.frames.length === 0 && !this.closed && Date.now() < deadline) {
      await new Promise((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    return this.frames.shift() ?? null;
  }
  /** Sends a request and returns the reply with its xid (skipping notifications). */
  async call(frame) {
    const xid = frame.readInt32BE(4);
    this.socket.write(frame);
    for (;;) {
      const reply = await this.next();
      if (reply === null || reply.readInt32BE(4) === xid) return reply;
    }
  }
  async handshake(options) {
    this.socket.write(connectRequest(options));
    const response = await this.next();
    if (response === null) return null;
    const length = response.readInt32BE(0);
    const timeOut = response.readInt32BE(8);
    const sessionId = response.readBigInt64BE(12);
    const passwd = response.subarray(24, 40);
    return { length, timeOut, sessionId, passwd };
  }
  close() {
    this.socket.destroy();
  }
}

async function rawClients(port, setLabel) {
  const J = jute;
  const log = (what, reply) =>
    console.log(
      `raw  ${what} -> ${reply === null ? "closed" : reply.toString("hex").slice(0, 80)}`,
    );

  setLabel("raw: 44-byte handshake and requests no installed client sends");
  const a = new RawConnection(port);
  const session = await a.handshake({});
  console.log(
    `raw  old-dialect handshake -> ${session.length}-byte body, timeout ${session.timeOut}`,
  );
  let xid = 1;
  const call = async (what, type, ...parts) =>
    log(what, await a.call(J.request(xid++, type, ...parts)));
  await call("getData", 4, J.str("/golden/a"), J.bool(false));
  await call("sasl", 102, J.buf(Buffer.from("token")));
  await call("deleteContainer", 20, J.str("/golden/c"));
  await call(
    "multi create2/container/ttl",
    14,
    J.multiHeader(15, false, -1),
    J.str("/golden/r2"),
    J.buf(Buffer.from("r")),
    J.acl(),
    J.int(0),
    J.multiHeader(19, false, -1),
    J.str("/golden/rc"),
    J.buf(null),
    J.acl(),
    J.int(4),
    J.multiHeader(21, false, -1),
    J.str("/golden/rt"),
    J.buf(Buffer.from("t")),
    J.acl(),
    J.int(5),
    J.long(10000),
    J.multiHeader(-1, true, -1),
  );
  await call(
    "multi mixing read and write",
    14,
    J.multiHeader(4, false, -1),
    J.str("/golden/a"),
    J.bool(false),
    J.multiHeader(2, false, -1),
    J.str("/golden/a"),
    J.int(-1),
    J.multiHeader(-1, true, -1),
  );
  await call("multi empty", 14, J.multiHeader(-1, true, -1));
  await call("multiRead empty", 22, J.multiHeader(-1, true, -1));
  await call("getEphemerals null prefix", 103, J.str(null));
  log(
    "setWatches xid -8",
    await a.call(
      J.request(
        -8,
        101,
        J.long(1),
        J.strs(["/golden/a", "/golden/gone-data"]),
        J.strs(["/golden/nothere", "/golden/a"]),
        J.strs(["/golden", "/golden/gone-child"]),
      ),
    ),
  );
  await call(
    "setWatches2",
    105,
    J.long(0x7fffffff),
    J.strs([]),
    J.strs(["/golden/x"]),
    J.strs([]),
    J.strs(["/golden/pw"]),
    J.strs(["/golden", "/kazoo"]),
  );
  await call("reconfig nulls", 16, J.str(null), J.str(null), J.str(null), J.long(-1));
  await call(
    "create TTL flag with opcode 1",
    1,
    J.str("/golden/bad"),
    J.buf(null),
    J.acl(),
    J.int(5),
  );
  await call(
    "createTTL with ttl 0",
    21,
    J.str("/golden/bad"),
    J.buf(null),
    J.acl(),
    J.int(5),
    J.long(0),
  );
  await call("create path without slash", 1, J.str("golden"), J.buf(null), J.acl(), J.int(0));
  await call("addWatch bad mode", 106, J.str("/golden"), J.int(7));
  await call("checkWatches none", 17, J.str("/golden/a"), J.int(3));
  await call("removeWatches none", 18, J.str("/golden/a"), J.int(2));
  await call("exists missing", 3, J.str("/golden/zzz"), J.bool(false));
  await call("getACL root", 6, J.str("/"));
  await call("getChildren2 root", 12, J.str("/"), J.bool(false));
  // A getData whose path claims 10 bytes but carries 2: ZooKeeper answers MarshallingError.
  await call("truncated getData", 4, J.int(10), Buffer.from("/g"));
  log("ping", await a.call(J.request(-2, 11)));

  setLabel("raw: resume of a live session in the 45-byte dialect");
  const b = new RawConnection(port);
  const resumed = await b.handshake({
    sessionId: session.sessionId,
    passwd: session.passwd,
    lastZxid: 1,
    readOnly: false,
  });
  console.log(`raw  resume -> ${resumed?.length}-byte body, timeout ${resumed?.timeOut}`);
  log("whoAmI", await b.call(J.request(1, 107)));
  log("closeSession", await b.call(J.request(2, -11)));
  b.close();
  a.close();

  for (const readOnly of [undefined, false]) {
    const dialect = readOnly === undefined ? "44" : "45";
    setLabel(`raw: resume of an unknown session in the ${dialect}-byte dialect`);
    const c = new RawConnection(port);
    const r = await c.handshake({
      sessionId: 0x1234n,
      passwd: Buffer.alloc(16, 7),
      readOnly,
    });
    console.log(`raw  bad resume ${dialect} -> ${r?.length}-byte body, timeout ${r?.timeOut}`);
    await c.next();
    c.close();
  }

  setLabel("raw: unknown opcode");
  const d = new RawConnection(port);
  await d.handshake({ readOnly: false });
  log("opcode 99", await d.call(J.request(1, 99, J.str("/"))));
  d.close();

  setLabel("raw: failed auth");
  const e = new RawConnection(port);
  await e.handshake({ readOnly: false });
  log(
    "auth bad scheme",
    await e.call(J.request(-4, 100, J.int(0), J.str("nosuch"), J.buf(Buffer.from("x")))),
  );
  e.close();
}

/** Runs a driver asynchronously: the proxy lives in this process and must keep running. */
function run(command, args) {
  console.log(`$ ${command} ${args.join(" ")}`);
  const child = spawn(command, args, { stdio: "inherit", cwd: here, timeout: 120_000 });
  return new Promise((resolve, reject) => {
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} failed with ${code}`)),
    );
  });
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "corral-capture-"));
  const conversations = [];
  let label = "";
  let server;
  let proxy;
  try {
    server = await startServer(dir);
    let version = "";
    for (let i = 0; i < 50 && !version.startsWith("Zookeeper version"); i++) {
      version = (await fourLetterWord(server.port, "srvr")).split("\n")[0];
      await sleep(100);
    }
    proxy = await startProxy(server.port, conversations, () => label);
    const target = `${host}:${proxy.address().port}`;

    label = "java client 3.8.0";
    await run("java", [
      "-cp",
      "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-nop.jar",
      "JavaDriver.java",
      target,
    ]);
    label = "kazoo";
    await run("/usr/bin/python3", ["kazoo_driver.py", target]);
    await rawClients(proxy.address().port, (l) => {
      label = l;
    });
    await sleep(300);

    const golden = {
      server: version,
      capturedBy: "node scripts/capture/capture.mjs",
      capturedAt: new Date().toISOString().slice(0, 10),
      conversations,
    };
    writeFileSync(output, `${JSON.stringify(golden, null, 1)}\n`);
    const frames = conversations.reduce((n, c) => n + c.frames.length, 0);
    console.log(`wrote ${conversations.length} conversations, ${frames} frames to ${output}`);
  } finally {
    proxy?.close();
    server?.child.kill();
    await sleep(500);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
