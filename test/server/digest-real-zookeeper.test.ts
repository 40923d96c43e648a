// Proves Corral's tree digest is ZooKeeper's: a real ZooKeeper 3.8 and Corral each take the
// same writes (every node kind, binary data, ACL and data changes, deletes) until their
// `hash` four-letter word logs a digest; the test then reads every node back over the wire
// and recomputes the digest with Corral's nodeDigest. Equality against ZooKeeper proves the
// byte layout (path, data, the 60-byte stat, container and TTL owners, the exclusions);
// equality against Corral proves its incrementally kept digest. Then two Corral servers
// started on copies of the same data directory answer `hash` identically.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CreateMode, OpCode, Perm } from "../../src/protocol/constants.js";
import type { ACL } from "../../src/protocol/records.js";
import { AclTable } from "../../src/tree/acl.js";
import { nodeDigest, TreeDigest } from "../../src/tree/digest.js";
import { NodeKind, storedData, Znode } from "../../src/tree/znode.js";
import { startCorralServer } from "../support/corral-server.js";
import { fourLetterWord } from "../support/four-letter.js";
import { peerSkip } from "../support/peers.js";
import { realZooKeeperAvailable, startRealZooKeeper } from "../support/real-zookeeper.js";
import { openSession, type RawConnection } from "./raw-client.js";

const open: ACL[] = [{ perms: Perm.all, id: { scheme: "world", id: "anyone" } }];
const ttlMs = 600_000;
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

async function ok(promise: Promise<{ header: { err: number } }>, what: string): Promise<void> {
  const reply = await promise;
  assert.equal(reply.header.err, 0, `${what}: error ${reply.header.err}`);
}

/** Writes until the server's zxid reaches 128 (at least); returns the kinds of nodes made. */
async function writeUntilLogged(conn: RawConnection): Promise<Map<string, number>> {
  const kinds = new Map<string, number>();
  const create = (path: string, data: Uint8Array | null, flags = 0) =>
    ok(conn.call(OpCode.create, { path, data, acl: open, flags }), `create ${path}`);
  await create("/app", new Uint8Array([0, 1, 0x80, 0xff]));
  await ok(
    conn.call(OpCode.createContainer, {
      path: "/box",
      data: bytes("c"),
      acl: open,
      flags: CreateMode.container,
    }),
    "container",
  );
  kinds.set("/box", NodeKind.container);
  await create("/box/in", null);
  await ok(
    conn.call(OpCode.createTTL, {
      path: "/ttl",
      data: bytes("t"),
      acl: open,
      flags: CreateMode.persistentWithTTL,
      ttl: ttlMs,
    }),
    "ttl",
  );
  kinds.set("/ttl", NodeKind.ttl);
  await create("/app/seq-", bytes("s"), CreateMode.persistentSequential);
  await ok(conn.call(OpCode.setData, { path: "/app", data: bytes("changed"), version: -1 }), "set");
  const acl: ACL[] = [...open, { perms: Perm.read, id: { scheme: "ip", id: "10.1.2.3" } }];
  await ok(conn.call(OpCode.setACL, { path: "/app", acl, version: -1 }), "setACL");
  await create("/gone", null);
  await ok(conn.call(OpCode.delete, { path: "/gone", version: -1 }), "delete");
  for (let i = 0; conn.lastZxid < 128; i++) {
    assert.ok(i < 200, "zxid did not reach 128");
    await create(`/app/n${i}`, bytes(`value ${i}`));
  }
  return kinds;
}

async function children(conn: RawConnection, path: string): Promise<string[]> {
  const r = await conn.call(OpCode.getChildren, { path, watch: false });
  return (r.body as { children: string[] }).children;
}

/** Reads every node back and sums Corral's nodeDigest over them. */
async function digestOverTheWire(conn: RawConnection, kinds: Map<string, number>): Promise<string> {
  const acls = new AclTable();
  const digest = new TreeDigest();
  const stack = ["/"];
  while (stack.length > 0) {
    const path = stack.pop()!;
    const r = await conn.call(OpCode.getData, { path, watch: false });
    assert.equal(r.header.err, 0, `getData ${path}`);
    assert.ok(r.body !== null);
    const { data, stat } = r.body;
    const kind = kinds.get(path) ?? NodeKind.persistent;
    const node = new Znode(
      storedData(data),
      acls.acquire(open),
      stat.czxid,
      stat.ctime,
      kind as NodeKind,
      kind === NodeKind.ttl ? ttlMs : 0,
    );
    node.mzxid = stat.mzxid;
    node.pzxid = stat.pzxid;
    node.mtime = stat.mtime;
    node.version = stat.version;
    node.aversion = stat.aversion;
    // Clients see cversion = 2 * creations - numChildren; the digest hashes the creations.
    node.childCreations = (stat.cversion + stat.numChildren) / 2;
    digest.add(nodeDigest(path, node));
    for (const name of await children(conn, path)) {
      stack.push(path === "/" ? `/${name}` : `${path}/${name}`);
    }
  }
  return digest.toString();
}

function lastHashLine(text: string): { zxid: number; digest: string } {
  const lines = text.trim().split("\n");
  const m = /^([0-9a-f]+): (-?\d+)$/.exec(lines[lines.length - 1]);
  assert.ok(m !== null, `hash answer: ${JSON.stringify(text)}`);
  return { zxid: Number.parseInt(m[1], 16), digest: m[2] };
}

async function checkServer(port: number, name: string): Promise<void> {
  assert.equal(await fourLetterWord(port, "hash"), "", `${name}: a fresh server logs nothing`);
  const { conn } = await openSession(port);
  try {
    const kinds = await writeUntilLogged(conn);
    const logged = lastHashLine(await fourLetterWord(port, "hash"));
    assert.equal(logged.zxid, conn.lastZxid, `${name}: the last write is the logged one`);
    assert.equal(await digestOverTheWire(conn, kinds), logged.digest, `${name}: digest`);
  } finally {
    conn.destroy();
  }
}

test("Corral's digest of a tree read from real ZooKeeper equals ZooKeeper's own", {
  skip: peerSkip(!realZooKeeperAvailable() && "real ZooKeeper not installed"),
}, async () => {
  const zk = await startRealZooKeeper();
  try {
    await checkServer(zk.port, "zookeeper-3.8");
  } finally {
    await zk.stop();
  }
});

test("Corral's incrementally kept digest equals a recount over the wire", async () => {
  const server = await startCorralServer();
  try {
    await checkServer(server.port, "corral");
  } finally {
    await server.stop();
  }
});

test("two Corral servers started from the same data answer hash identically", async () => {
  const first = await startCorralServer();
  let before: string;
  try {
    const { conn } = await openSession(first.port);
    try {
      for (let i = 0; conn.lastZxid < 300; i++) {
        assert.ok(i < 400, "zxid did not reach 300");
        await ok(
          conn.call(OpCode.create, { path: `/k${i}`, data: bytes(`v${i}`), acl: open, flags: 0 }),
          "create",
        );
      }
    } finally {
      conn.destroy();
    }
    before = await fourLetterWord(first.port, "hash");
    assert.equal(before.trim().split("\n").length, 2, before);
  } finally {
    await first.kill();
  }
  const copyDir = mkdtempSync(join(tmpdir(), "corral-digest-copy-"));
  try {
    cpSync(first.dataDir, copyDir, { recursive: true });
    const a = await startCorralServer({ dataDir: first.dataDir });
    try {
      const b = await startCorralServer({ dataDir: copyDir });
      try {
        const hashA = await fourLetterWord(a.port, "hash");
        assert.equal(hashA, before, "recovery re-derives the same history");
        assert.equal(await fourLetterWord(b.port, "hash"), hashA);
      } finally {
        await b.kill();
      }
    } finally {
      await a.stop();
    }
  } finally {
    rmSync(copyDir, { recursive: true, force: true });
    rmSync(first.dataDir, { recursive: true, force: true });
  }
});
