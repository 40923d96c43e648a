// Proves peer-link security on a real 3-member Corral ensemble of `corral server`
// processes, configured with ZooKeeper's keys and files (a PKCS12 key store and a JKS trust
// store for sslQuorum; a JAAS file in ZooKeeper's documented quorum digest form for
// quorum.auth.*). Each ensemble serves clients and survives a leader kill. Rogue diallers
// claiming a member id — with an untrusted certificate, with no certificate, over plain TCP,
// with no or wrong SASL credentials — are refused, and the leader's heartbeat they send at a
// far higher term never counts: every member's term and the leader are unchanged. A rogue that
// takes a killed member's peer address receives no frame: the leader never sends it the log.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createServer, connect as netConnect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createSecureContext, TLSSocket, connect as tlsConnect } from "node:tls";
import { ZooKeeperClient } from "../../src/client/index.js";
import { authenticateAnswer, DiallerAuth, nonceBytes } from "../../src/io/peer-auth.js";
import { encodePeerHandshake, PeerRefusal } from "../../src/io/peer-handshake.js";
import { waitFor } from "../client/helpers.js";
import { createTestPki, pkiToolsAvailable, type TestPki } from "../support/certificates.js";
import { CorralEnsemble } from "../support/corral-ensemble.js";
import {
  helloAndHeartbeat,
  quorumJaas,
  quorumSaslLines,
  serveUntrustedTls,
  sslQuorumLines,
} from "../support/quorum-security.js";

const skip = pkiToolsAvailable();

async function raftState(
  ensemble: CorralEnsemble,
  id: number,
): Promise<{ term: number; leader: number }> {
  const port = ensemble.adminPort(id);
  const body = await new Promise<string>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/commands/raft_state" }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => resolve(text));
    });
    req.on("error", reject);
    req.end();
  });
  const json = JSON.parse(body) as { term: number; leader_id: number };
  return { term: json.term, leader: json.leader_id };
}

async function terms(ensemble: CorralEnsemble): Promise<string> {
  const out: string[] = [];
  for (const id of ensemble.members) {
    if (!ensemble.running(id)) continue;
    const st = await raftState(ensemble, id);
    out.push(`${id}:term=${st.term},leader=${st.leader}`);
  }
  return out.join(" ");
}

interface Rogue {
  socket: Socket;
  received: () => Buffer;
  closed: Promise<void>;
}

function rogue(socket: Socket, onOpen: (r: Rogue) => void): Rogue {
  const chunks: Buffer[] = [];
  const r: Rogue = {
    socket,
    received: () => Buffer.concat(chunks),
    closed: new Promise<void>((resolve) => socket.once("close", () => resolve())),
  };
  socket.on("data", (d: Buffer) => chunks.push(d));
  socket.on("error", () => {});
  socket.once(socket instanceof TLSSocket ? "secureConnect" : "connect", () => onOpen(r));
  return r;
}

function ensembleIdOf(ensemble: CorralEnsemble, id: number): string {
  const identity = readFileSync(join(ensemble.dataDir(id), "corral-ensemble"), "utf8");
  return /ensemble=(\S+)/.exec(identity)![1];
}

/** Serves, loses its leader, elects another, serves on; the old leader rejoins. */
async function survivesLeaderKill(ensemble: CorralEnsemble): Promise<void> {
  const zk = await ZooKeeperClient.connect(ensemble.connectString, {
    sessionTimeoutMs: 6000,
    timeoutMs: 20000,
  });
  try {
    await zk.create("/before", "1");
    const leader = await ensemble.waitForLeader();
    await ensemble.kill(leader);
    const next = await ensemble.waitForLeader();
    assert.notEqual(next, leader);
    await zk.create("/after", "2");
    await ensemble.restart(leader);
    await waitFor(async () => (await ensemble.mode(leader)) === "follower", 20000, "rejoined");
    const c = await ZooKeeperClient.connect(ensemble.address(leader), { timeoutMs: 20000 });
    try {
      await c.sync("/after");
      assert.equal(Buffer.from((await c.getData("/after")).data!).toString(), "2");
    } finally {
      await c.close();
    }
  } finally {
    await zk.close();
  }
}

/**
 * A rogue listening at a killed follower's peer address: the leader dials it, and it must
 * receive nothing that a member sends after the handshake. Returns all it received.
 */
async function rogueAcceptor(
  ensemble: CorralEnsemble,
  leader: number,
  follower: number,
  serve: (socket: Socket, received: Buffer[]) => void,
  leaderLog: RegExp,
): Promise<Buffer> {
  await ensemble.kill(follower);
  const received: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
    serve(s, received);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(ensemble.peerPort(follower), "127.0.0.1", resolve);
  });
  try {
    // Writes while the rogue stands in, so the leader has log entries it would send.
    const zk = await ZooKeeperClient.connect(ensemble.address(leader), { timeoutMs: 20000 });
    try {
      const base = (await zk.create("/while-rogue-", "", { mode: "persistentSequential" })).path;
      for (let i = 0; i < 5; i++) await zk.create(`${base}-${i}`, "secret");
    } finally {
      await zk.close();
    }
    await waitFor(
      () => leaderLog.test(ensemble.logs(leader)),
      20000,
      "the leader refused the rogue",
    );
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await ensemble.restart(follower);
  return Buffer.concat(received);
}

describe("sslQuorum=true", { skip }, () => {
  let pki: TestPki;
  let ensemble: CorralEnsemble;

  before(async () => {
    pki = createTestPki();
    ensemble = await CorralEnsemble.start({
      members: 3,
      tickTimeMs: 200,
      admin: true,
      extraConfig: sslQuorumLines(pki),
    });
  });

  after(async () => {
    await ensemble?.stop();
    pki?.remove();
  });

  test("serves clients and survives a leader kill", async () => {
    await survivesLeaderKill(ensemble);
    assert.match(ensemble.logs(ensemble.members[0]), /peer link up/);
  });

  test("rogue diallers are refused; no term moves", async () => {
    const leader = await ensemble.waitForLeader();
    const victim = ensemble.members.find((id) => id !== leader)!;
    const claimed = ensemble.members.find((id) => id !== leader && id !== victim)!;
    const port = ensemble.peerPort(victim);
    const { hello, heartbeat } = helloAndHeartbeat(ensembleIdOf(ensemble, victim), claimed, victim);
    const before = await terms(ensemble);
    const trusting = (keyPem: string | null) =>
      createSecureContext({
        ...(keyPem === null ? {} : { key: readFileSync(keyPem), cert: readFileSync(keyPem) }),
        ca: readFileSync(pki.caPem),
      });
    const kinds: [string, () => Socket][] = [
      [
        "untrusted certificate",
        () => tlsConnect({ host: "127.0.0.1", port, secureContext: trusting(pki.rogueClientPem) }),
      ],
      [
        "no certificate",
        () => tlsConnect({ host: "127.0.0.1", port, secureContext: trusting(null) }),
      ],
      ["plain TCP", () => netConnect({ host: "127.0.0.1", port })],
    ];
    for (const [what, dial] of kinds) {
      const r = rogue(dial(), (x) => x.socket.write(Buffer.concat([hello, heartbeat])));
      await r.closed;
      const seen = r.received();
      if (what === "plain TCP") assert.equal(seen.length, 0, what);
      else assert.deepEqual([...seen], [PeerRefusal.untrustedCertificate], what);
    }
    // The plain connection's line comes when its socket closes on the member's side.
    await waitFor(() =>
      /closing peer connection.*TLS handshake failed/.test(ensemble.logs(victim)),
    );
    const logs = ensemble.logs(victim);
    assert.match(logs, /refusing peer connection.*untrusted certificate/);
    assert.match(logs, /refusing peer connection.*no certificate/);
    assert.equal(await terms(ensemble), before);
  });

  test("a rogue at a member's address never receives the log", async () => {
    const leader = await ensemble.waitForLeader();
    const follower = ensemble.members.find((id) => id !== leader)!;
    for (const kind of ["untrusted certificate", "plain TCP"]) {
      const seen = await rogueAcceptor(
        ensemble,
        leader,
        follower,
        (s, received) => {
          if (kind === "plain TCP") {
            // Answers as a member without TLS answers a ClientHello: bad magic.
            s.on("data", (d: Buffer) => {
              received.push(d);
              s.end(Buffer.of(PeerRefusal.badMagic));
            });
            return;
          }
          serveUntrustedTls(pki, s, received);
        },
        /peer not trusted.*TLS handshake failed/,
      );
      // TLS records only: no hello, no frame, no znode data in clear.
      assert.equal(seen.includes(Buffer.from("CRLP")), false, kind);
      assert.equal(seen.includes(Buffer.from("secret")), false, kind);
    }
    await ensemble.waitForLeader();
  });
});

describe("quorum.auth.enableSasl=true", { skip }, () => {
  let ensemble: CorralEnsemble;
  let dir = "";

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "corral-qsasl-"));
    const jaas = join(dir, "jaas.conf");
    writeFileSync(jaas, quorumJaas("quorum-secret"));
    ensemble = await CorralEnsemble.start({
      members: 3,
      tickTimeMs: 200,
      admin: true,
      extraConfig: [...quorumSaslLines, `java.security.auth.login.config=${jaas}`],
    });
  });

  after(async () => {
    await ensemble?.stop();
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  test("serves clients and survives a leader kill", async () => {
    await survivesLeaderKill(ensemble);
  });

  test("rogue diallers without the credentials are refused; no term moves", async () => {
    const leader = await ensemble.waitForLeader();
    const victim = ensemble.members.find((id) => id !== leader)!;
    const claimed = ensemble.members.find((id) => id !== leader && id !== victim)!;
    const ensembleId = ensembleIdOf(ensemble, victim);
    const { hello, heartbeat } = helloAndHeartbeat(ensembleId, claimed, victim);
    const before = await terms(ensemble);
    const binding = { ensembleId, from: claimed, to: victim };
    const answers: [string, (nonceA: Buffer) => Buffer, number][] = [
      ["no credentials", () => Buffer.of(0), PeerRefusal.authRequired],
      [
        "wrong password",
        (n) => new DiallerAuth({ username: "quorum", password: "guess" }, binding).answer(n),
        PeerRefusal.authFailed,
      ],
    ];
    for (const [what, answer, code] of answers) {
      let answered = false;
      const r = rogue(netConnect({ host: "127.0.0.1", port: ensemble.peerPort(victim) }), (x) =>
        x.socket.write(hello),
      );
      r.socket.on("data", () => {
        const got = r.received();
        if (answered || got.length < 1 + nonceBytes) return;
        answered = true;
        assert.equal(got[0], authenticateAnswer, what);
        r.socket.write(Buffer.concat([answer(got.subarray(1, 1 + nonceBytes)), heartbeat]));
      });
      await r.closed;
      assert.deepEqual([...r.received().subarray(1 + nonceBytes)], [code], what);
    }
    // Plain TCP that skips the exchange and sends its heartbeat right after the hello.
    const plain = rogue(netConnect({ host: "127.0.0.1", port: ensemble.peerPort(victim) }), (x) =>
      x.socket.write(Buffer.concat([hello, heartbeat])),
    );
    await plain.closed;
    assert.equal(plain.received()[0], authenticateAnswer);
    const logs = ensemble.logs(victim);
    assert.match(logs, /refusing peer connection.*authentication required/);
    assert.match(logs, /refusing peer connection.*authentication failed/);
    assert.equal(await terms(ensemble), before);
  });

  test("a rogue at a member's address never receives the log", async () => {
    const leader = await ensemble.waitForLeader();
    const follower = ensemble.members.find((id) => id !== leader)!;
    const seen = await rogueAcceptor(
      ensemble,
      leader,
      follower,
      (s, received) => {
        // Admits every hello at once, as a member without quorum SASL would.
        s.on("data", (d: Buffer) => {
          received.push(d);
          s.write(Buffer.of(PeerRefusal.accepted));
        });
      },
      /peer not trusted.*did not ask us to authenticate/,
    );
    // Hellos only, from the two live members: not one frame.
    const ensembleId = ensembleIdOf(ensemble, leader);
    const hellos = ensemble.members
      .filter((id) => id !== follower)
      .map((id) => encodePeerHandshake(ensembleId, id, follower));
    const size = hellos[0].length;
    assert.ok(seen.length > 0 && seen.length % size === 0, `${seen.length} bytes`);
    for (let i = 0; i < seen.length; i += size) {
      const one = seen.subarray(i, i + size);
      assert.ok(
        hellos.some((h) => h.equals(one)),
        `not a hello: ${one.toString("hex")}`,
      );
    }
    await ensemble.waitForLeader();
  });
});
