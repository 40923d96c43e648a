// Proves every four-letter word answers as the Debian ZooKeeper 3.8 does, on the same actions:
// each word's answer, with the values that differ by nature (numbers, session ids, addresses,
// dates, directories, the version) masked, has the same lines on both servers; mntr and envi
// have the same keys but for the differences docs/four-letter-words.md lists; and every
// figure moves the same way on both when what it counts changes (a data watch, a child
// watch, a node written, an ephemeral, a session, a connection, stmk, crst, srst).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CreateMode, OpCode, Perm } from "../../src/protocol/constants.js";
import type { ACL } from "../../src/protocol/records.js";
import { startCorralServer } from "../support/corral-server.js";
import { fourLetterWord } from "../support/four-letter.js";
import { peerSkip } from "../support/peers.js";
import { realZooKeeperAvailable, startRealZooKeeper } from "../support/real-zookeeper.js";
import { openSession, RawConnection } from "./raw-client.js";

const open: ACL[] = [{ perms: Perm.all, id: { scheme: "world", id: "anyone" } }];

/** The mntr keys ZooKeeper 3.8 reports that Corral leaves out, with docs' reasons. */
const mntrKeysOnlyInZooKeeper = new Set([
  "zk_non_mtls_remote_conn_count",
  "zk_non_mtls_local_conn_count",
  "zk_connection_drop_probability",
  "zk_outstanding_tls_handshake",
]);
/** envi: Java's keys that have no Node.js meaning, and the one Corral adds in their place. */
const enviKeysOnlyInZooKeeper = new Set([
  "java.version",
  "java.vendor",
  "java.home",
  "java.class.path",
  "java.library.path",
  "java.compiler",
]);
const enviKeysOnlyInCorral = new Set(["node.version"]);

interface Server {
  name: string;
  port: number;
  stop(): Promise<void>;
}

const servers: {
  name: string;
  skip: string | false;
  start(extraConfig?: string[]): Promise<Server>;
}[] = [
  {
    name: "zookeeper-3.8",
    skip: peerSkip(!realZooKeeperAvailable() && "real ZooKeeper not installed"),
    async start(extraConfig = []) {
      const zk = await startRealZooKeeper({ extraConfig });
      return { name: "zookeeper-3.8", port: zk.port, stop: zk.stop };
    },
  },
  {
    name: "corral",
    skip: false,
    async start(extraConfig = []) {
      const s = await startCorralServer({ extraConfig });
      return { name: "corral", port: s.port, stop: s.stop };
    },
  },
];

/** Masks what differs between any two servers by nature; keeps every line's shape. */
function mask(text: string): string {
  return text
    .replace(/^(Zookeeper version: |zk_version\t|zookeeper\.version=).*$/gm, "$1<version>")
    .replace(/^(\w[\w.]*=)\/\S*$/gm, "$1<dir>")
    .replace(/\w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}/g, "<date>")
    .replace(/\/127\.0\.0\.1:\d+/g, "/<address>")
    .replace(/0x[0-9a-f]+/g, "<hex>")
    .replace(/-?\d+(\.\d+)?/g, "<n>");
}

/**
 * Lines in a canonical order: several words list connections or sessions in no set order.
 * dump's group headers ("2 expire at <date>:") are left out: how sessions and connections
 * fall into expiry groups depends on when, within a tick, each was last heard from.
 */
const sortedLines = (text: string): string[] =>
  text
    .split("\n")
    .filter((l) => !/^<n> expire at <date>:$/.test(l))
    .sort();

function keyValues(text: string, separator: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const at = line.indexOf(separator);
    if (at > 0) out.set(line.slice(0, at), line.slice(at + separator.length));
  }
  return out;
}

const mntr = async (port: number) => keyValues(await fourLetterWord(port, "mntr"), "\t");
const num = (m: Map<string, string>, key: string): number => {
  const v = m.get(key);
  assert.ok(v !== undefined, `mntr has no ${key}`);
  return Number(v);
};
function srvrField(text: string, field: string): string {
  const m = new RegExp(`^${field}: (.*)$`, "m").exec(text);
  assert.ok(m !== null, `no ${field} in ${text}`);
  return m[1];
}

const words = [
  "srvr",
  "stat",
  "mntr",
  "conf",
  "cons",
  "dump",
  "envi",
  "wchs",
  "wchc",
  "wchp",
  "dirs",
  "isro",
  "ruok",
  "gtmk",
  "hash",
];

/** Every word's answer on a server, after the same actions on each. */
async function answers(port: number): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const w of words) out.set(w, await fourLetterWord(port, w));
  return out;
}

/** The shared scenario: a session with a node, a data watch, a child watch, an ephemeral. */
async function actions(conn: RawConnection): Promise<void> {
  const data = new TextEncoder().encode("abc");
  let r = await conn.call(OpCode.create, { path: "/b", data, acl: open, flags: 0 });
  assert.equal(r.header.err, 0);
  r = await conn.call(OpCode.create, {
    path: "/f",
    data: null,
    acl: open,
    flags: CreateMode.ephemeral,
  });
  assert.equal(r.header.err, 0);
  await conn.call(OpCode.getData, { path: "/b", watch: true });
  await conn.call(OpCode.getChildren, { path: "/b", watch: true });
  await conn.call(OpCode.exists, { path: "/nope", watch: true });
}

describe("four-letter words against ZooKeeper 3.8", () => {
  const fresh = new Map<string, Map<string, string>>();
  const after = new Map<string, Map<string, string>>();

  for (const server of servers) {
    it(`${server.name}: every figure moves with what it counts`, {
      skip: server.skip,
    }, async () => {
      const s = await server.start();
      try {
        fresh.set(s.name, await answers(s.port));
        const m0 = await mntr(s.port);
        const dirs0 = keyValues(await fourLetterWord(s.port, "dirs"), ": ");
        const srvr0 = await fourLetterWord(s.port, "srvr");
        assert.equal(srvrField(srvr0, "Zxid"), "0x0", "a fresh server's zxid");

        // A connection with a session: connections, sessions, descriptors.
        const { conn } = await openSession(s.port);
        try {
          const m1 = await mntr(s.port);
          assert.equal(num(m1, "zk_global_sessions"), num(m0, "zk_global_sessions") + 1);
          assert.equal(
            num(m1, "zk_num_alive_connections"),
            num(m0, "zk_num_alive_connections") + 1,
          );
          assert.ok(
            num(m1, "zk_open_file_descriptor_count") > num(m0, "zk_open_file_descriptor_count"),
            "an open connection holds a descriptor",
          );
          assert.ok(num(m1, "zk_max_file_descriptor_count") > 0);
          assert.ok(num(m1, "zk_uptime") > num(m0, "zk_uptime"), "uptime moves");
          assert.ok(num(m1, "zk_packets_received") > num(m0, "zk_packets_received"));
          assert.ok(num(m1, "zk_packets_sent") > num(m0, "zk_packets_sent"));

          // A node written: count, data size, zxid.
          const data = new TextEncoder().encode("abc");
          await conn.call(OpCode.create, { path: "/a", data, acl: open, flags: 0 });
          const m2 = await mntr(s.port);
          assert.equal(num(m2, "zk_znode_count"), num(m1, "zk_znode_count") + 1);
          assert.equal(
            num(m2, "zk_approximate_data_size"),
            num(m1, "zk_approximate_data_size") + "/a".length + data.length,
          );
          const srvr2 = await fourLetterWord(s.port, "srvr");
          assert.equal(srvrField(srvr2, "Zxid"), `0x${conn.lastZxid.toString(16)}`);
          assert.equal(Number(srvrField(srvr2, "Node count")), num(m2, "zk_znode_count"));

          // An ephemeral node.
          await conn.call(OpCode.create, {
            path: "/e",
            data: null,
            acl: open,
            flags: CreateMode.ephemeral,
          });
          const m3 = await mntr(s.port);
          assert.equal(num(m3, "zk_ephemerals_count"), num(m2, "zk_ephemerals_count") + 1);
          assert.match(
            await fourLetterWord(s.port, "dump"),
            /Sessions with Ephemerals \(1\):\n0x[0-9a-f]+:\n\t\/e\n/,
          );

          // A data watch counts in mntr and wchs; a child watch only in mntr.
          await conn.call(OpCode.getData, { path: "/a", watch: true });
          const m4 = await mntr(s.port);
          // The getData reply: a 16-byte header, 4 + 3 bytes of data, a 68-byte Stat.
          assert.equal(num(m4, "zk_last_client_response_size"), 91);
          assert.ok(num(m4, "zk_min_client_response_size") <= 91);
          assert.ok(num(m4, "zk_max_client_response_size") >= 91);
          assert.equal(num(m4, "zk_watch_count"), num(m3, "zk_watch_count") + 1);
          assert.match(await fourLetterWord(s.port, "wchs"), /Total watches:1\n/);
          await conn.call(OpCode.getChildren, { path: "/a", watch: true });
          const m5 = await mntr(s.port);
          assert.equal(num(m5, "zk_watch_count"), num(m4, "zk_watch_count") + 1);
          assert.match(await fourLetterWord(s.port, "wchs"), /Total watches:1\n/);
          assert.match(await fourLetterWord(s.port, "wchp"), /^\/a\n\t0x[0-9a-f]+\n/);

          // A second connection without a session shows in cons, stat and dump.
          const idle = await RawConnection.open(s.port);
          try {
            const cons = await fourLetterWord(s.port, "cons");
            // The session's connection, the idle one and the one asking.
            assert.equal(cons.trim().split("\n").length, 3, cons);
            const dump = await fourLetterWord(s.port, "dump");
            assert.match(dump, /Connections Sets \(\d+\)\/\(3\):/);
          } finally {
            idle.destroy();
          }

          // crst zeroes the connections' counters; srst the server's.
          assert.equal(await fourLetterWord(s.port, "crst"), "Connection stats reset.\n");
          assert.match(await fourLetterWord(s.port, "cons"), /\[1\]\(queued=0,recved=0,sent=0,/);
          assert.equal(await fourLetterWord(s.port, "srst"), "Server stats reset.\n");
          const afterReset = await fourLetterWord(s.port, "srvr");
          assert.equal(srvrField(afterReset, "Received"), "1", "only the srvr itself");
          // srst's own answer is counted after the reset.
          assert.equal(srvrField(afterReset, "Sent"), "1");
          assert.equal(srvrField(afterReset, "Latency min/avg/max"), "0/0.0/0");
          assert.equal(num(await mntr(s.port), "zk_last_client_response_size"), -1);

          // stmk sets the trace mask (8 bytes, big-endian, after the word); gtmk reads it.
          const mask = Buffer.alloc(8);
          mask.writeBigInt64BE(0x1234n);
          assert.equal(await fourLetterWord(s.port, "stmk", 5000, mask), "4660");
          assert.equal(await fourLetterWord(s.port, "gtmk"), "4660");

          // The fixed parts of the other words.
          assert.equal(await fourLetterWord(s.port, "ruok"), "imok");
          assert.equal(await fourLetterWord(s.port, "isro"), "rw");
          // The writes went to the log: the log directory grew (ZooKeeper's by a whole
          // preallocated file, Corral's by the records).
          const dirs = keyValues(await fourLetterWord(s.port, "dirs"), ": ");
          assert.ok(Number(dirs.get("logdir_size")) > Number(dirs0.get("logdir_size")));
          const conf = keyValues(await fourLetterWord(s.port, "conf"), "=");
          assert.equal(conf.get("dataLogSize"), dirs.get("logdir_size"));
        } finally {
          conn.destroy();
        }
        // The same scenario on a fresh session, for the line-by-line comparison.
        const second = await openSession(s.port);
        try {
          await actions(second.conn);
          await fourLetterWord(s.port, "crst");
          after.set(s.name, await answers(s.port));
        } finally {
          second.conn.destroy();
        }
      } finally {
        await s.stop();
      }
    });
  }

  const whitelisted = new Map<string, string[]>();
  for (const server of servers) {
    it(`${server.name}: a word outside 4lw.commands.whitelist is refused`, {
      skip: server.skip,
    }, async () => {
      const s = await server.start(["4lw.commands.whitelist=mntr, ruok"]);
      try {
        const answers: string[] = [];
        for (const w of ["wchs", "stat", "ruok", "srvr"])
          answers.push(await fourLetterWord(s.port, w));
        assert.equal(answers[0], "wchs is not executed because it is not in the whitelist.\n");
        assert.equal(answers[2], "imok");
        whitelisted.set(s.name, answers.map(mask));
      } finally {
        await s.stop();
      }
    });
  }
  it("whitelist answers are ZooKeeper's", {
    skip: servers.some((s) => s.skip !== false) && "needs both servers",
  }, () => {
    assert.deepEqual(whitelisted.get("corral"), whitelisted.get("zookeeper-3.8"));
  });

  const both = servers.every((s) => s.skip === false);
  it("every word has ZooKeeper's lines, values masked", {
    skip: !both && "needs both servers",
  }, () => {
    for (const [moment, table] of [
      ["fresh", fresh],
      ["after the scenario", after],
    ] as const) {
      const zk = table.get("zookeeper-3.8");
      const corral = table.get("corral");
      assert.ok(zk !== undefined && corral !== undefined, "both servers answered");
      for (const w of words) {
        if (w === "mntr" || w === "envi") continue;
        assert.deepEqual(
          sortedLines(mask(corral.get(w)!)),
          sortedLines(mask(zk.get(w)!)),
          `${w} (${moment})`,
        );
      }
      // The same replies went out, so the response sizes agree byte for byte.
      for (const key of [
        "zk_last_client_response_size",
        "zk_min_client_response_size",
        "zk_max_client_response_size",
      ]) {
        assert.equal(
          keyValues(corral.get("mntr")!, "\t").get(key),
          keyValues(zk.get("mntr")!, "\t").get(key),
          `${key} (${moment})`,
        );
      }
      const zkMntr = [...keyValues(zk.get("mntr")!, "\t").keys()];
      const corralMntr = [...keyValues(corral.get("mntr")!, "\t").keys()];
      // ZooKeeper's ServerStats keys come first; the rest are its metrics provider's.
      const core = zkMntr.slice(0, zkMntr.indexOf("zk_non_mtls_local_conn_count") + 1);
      assert.deepEqual(
        corralMntr,
        core.filter((k) => !mntrKeysOnlyInZooKeeper.has(k)),
        `mntr keys (${moment})`,
      );
      const zkEnvi = [...keyValues(zk.get("envi")!, "=").keys()];
      const corralEnvi = [...keyValues(corral.get("envi")!, "=").keys()];
      assert.deepEqual(
        corralEnvi.filter((k) => !enviKeysOnlyInCorral.has(k)),
        zkEnvi.filter((k) => !enviKeysOnlyInZooKeeper.has(k)),
        `envi keys (${moment})`,
      );
    }
  });
});
