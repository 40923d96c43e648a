// Proves peer-link security on real loopback sockets, transport against transport and
// against hand-played rogues: with TLS (sslQuorum) members exchange messages, while a
// dialler with an untrusted certificate, with no certificate, with a trusted certificate that
// names another host, or speaking plain TCP is refused with one log line and delivers
// nothing; a member never sends its hello (let alone a frame) to an acceptor whose
// certificate it does not trust, or to one speaking plain TCP. With member authentication
// (quorum.auth.*) members exchange messages, a dialler without credentials, with a wrong
// password or an unknown user is refused with one log line, a dialler refuses an acceptor
// that does not challenge it or cannot prove the password, and with serverRequireSasl=false
// a dialler without credentials is admitted (the rolling-upgrade step). With both, a trusted
// certificate without the password is refused. Replaced store files are reloaded, and a
// member refuses to start on an unreadable store or incomplete JAAS sections.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { createServer, connect as netConnect, type Server, type Socket } from "node:net";
import { after, before, test } from "node:test";
import { createSecureContext, TLSSocket, connect as tlsConnect } from "node:tls";
import { MemoryLogger } from "../../src/base/logger.js";
import type { PeerHandler } from "../../src/base/peer-network.js";
import { NodeRandom } from "../../src/io/node-random.js";
import {
  authenticateAnswer,
  DiallerAuth,
  nonceBytes,
  type PeerAuthSettings,
  peerAuthSettings,
} from "../../src/io/peer-auth.js";
import { encodePeerHandshake, PeerRefusal } from "../../src/io/peer-handshake.js";
import { peerSecurity } from "../../src/io/peer-security.js";
import { PeerTls } from "../../src/io/peer-tls.js";
import { type PeerAddress, PeerTransport } from "../../src/io/peer-transport.js";
import { defaultQuorumSecurityConfig } from "../../src/server/quorum-security-config.js";
import { defaultSslConfig, type SslConfig } from "../../src/server/ssl-config.js";
import { waitFor } from "../client/helpers.js";
import { createTestPki, pkiToolsAvailable, type TestPki } from "../support/certificates.js";
import { loopbackMembers } from "../support/ports.js";
import { authSettings, serveUntrustedTls } from "../support/quorum-security.js";

const ensembleId = "secure-ensemble";
const skip = pkiToolsAvailable();
let pki: TestPki;
const running = new Set<PeerTransport>();
const sockets = new Set<Socket>();
const servers = new Set<Server>();

before(() => {
  if (skip === undefined) pki = createTestPki();
});

after(async () => {
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
  await Promise.all([...running].map((t) => t.stop()));
  pki?.remove();
});

class Inbox implements PeerHandler {
  readonly bodies: { from: number; text: string }[] = [];
  message(from: number, body: Uint8Array): void {
    this.bodies.push({ from, text: Buffer.from(body).toString() });
  }
}

function ssl(keyPem: string | null): SslConfig {
  const s = defaultSslConfig();
  s.keyStore.location = keyPem;
  s.trustStore.location = pki.caPem;
  s.trustStore.type = "PEM";
  return s;
}

interface Member {
  transport: PeerTransport;
  inbox: Inbox;
  logger: MemoryLogger;
}

async function member(
  self: number,
  members: Map<number, PeerAddress>,
  security: { tls?: SslConfig; auth?: PeerAuthSettings; reloadCertFiles?: boolean },
): Promise<Member> {
  const logger = new MemoryLogger();
  const transport = new PeerTransport({
    self,
    ensembleId,
    members,
    logger,
    random: new NodeRandom(),
    reconnectDelayMsMin: 20,
    reconnectDelayMsMax: 200,
    handshakeTimeoutMs: 2000,
    tls:
      security.tls === undefined
        ? undefined
        : new PeerTls(security.tls, security.reloadCertFiles === true, logger),
    auth: security.auth,
  });
  const inbox = new Inbox();
  running.add(transport);
  await transport.start(inbox);
  return { transport, inbox, logger };
}

function warnings(m: Member, message: string): LogLine[] {
  return m.logger.lines.filter((l) => l.level === "warn" && l.message === message);
}
type LogLine = MemoryLogger["lines"][number];

async function exchange(a: Member, b: Member): Promise<void> {
  await waitFor(
    () =>
      a.transport.counters(b.transport.self)?.up === true &&
      b.transport.counters(a.transport.self)?.up === true,
    10000,
    "links up",
  );
  a.transport.send(b.transport.self, Buffer.from("hello b"));
  b.transport.send(a.transport.self, Buffer.from("hello a"));
  await waitFor(() => a.inbox.bodies.length > 0 && b.inbox.bodies.length > 0, 5000, "delivered");
  assert.deepEqual(b.inbox.bodies[0], { from: a.transport.self, text: "hello b" });
  assert.deepEqual(a.inbox.bodies[0], { from: b.transport.self, text: "hello a" });
}

/** A raw connection to a member's peer port; what it reads, and when it closes. */
function raw(socket: Socket): { socket: Socket; received: () => Buffer; closed: Promise<void> } {
  sockets.add(socket);
  const chunks: Buffer[] = [];
  socket.on("data", (d: Buffer) => chunks.push(d));
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return { socket, received: () => Buffer.concat(chunks), closed };
}

function tlsDial(port: number, keyPem: string | null): TLSSocket {
  const key = keyPem === null ? {} : { key: readFileSync(keyPem), cert: readFileSync(keyPem) };
  return tlsConnect({
    host: "127.0.0.1",
    port,
    secureContext: createSecureContext({ ...key, ca: readFileSync(pki.caPem) }),
    checkServerIdentity: () => undefined,
  });
}

test("TLS: members exchange messages; rogue diallers are refused with one line", {
  skip,
}, async () => {
  const members = await loopbackMembers([1, 2, 9]);
  const a = await member(1, members, { tls: ssl(pki.serverPem) });
  const b = await member(2, members, { tls: ssl(pki.serverPem) });
  await exchange(a, b);
  const port = members.get(2)!.port;
  const before = b.inbox.bodies.length;

  // Each rogue claims to be member 1 and, if it gets that far, sends a frame.
  const hello = encodePeerHandshake(ensembleId, 1, 2);
  const frame = Buffer.from([0, 0, 0, 3, 0x61, 0x62, 0x63]);
  const cases: [string, () => Socket, RegExp][] = [
    ["untrusted certificate", () => tlsDial(port, pki.rogueClientPem), /untrusted certificate/],
    ["no certificate", () => tlsDial(port, null), /no certificate/],
    [
      "trusted certificate naming another host",
      () => tlsDial(port, pki.clientPem),
      /certificate names neither 127\.0\.0\.1 nor 127\.0\.0\.1/,
    ],
  ];
  for (const [what, dial, detail] of cases) {
    const warnsBefore = warnings(b, "refusing peer connection").length;
    const rogue = raw(dial());
    rogue.socket.on(rogue.socket instanceof TLSSocket ? "secureConnect" : "connect", () => {
      rogue.socket.write(Buffer.concat([hello, frame]));
    });
    await rogue.closed;
    assert.equal(rogue.received()[0], PeerRefusal.untrustedCertificate, what);
    const lines = warnings(b, "refusing peer connection").slice(warnsBefore);
    assert.equal(lines.length, 1, what);
    assert.match(String(lines[0].fields?.detail), detail, what);
  }

  // Plain TCP on the TLS port: the TLS layer fails, one line, and no answer byte.
  const linesBefore = warnings(b, "closing peer connection").length;
  const plain = raw(netConnect({ host: "127.0.0.1", port }));
  plain.socket.on("connect", () => plain.socket.write(Buffer.concat([hello, frame])));
  await plain.closed;
  assert.equal(plain.received().includes(Buffer.of(PeerRefusal.accepted)), false);
  await waitFor(() => warnings(b, "closing peer connection").length > linesBefore, 5000, "logged");
  const line = warnings(b, "closing peer connection").at(-1)!;
  assert.match(String(line.fields?.reason), /TLS handshake failed/);

  assert.equal(b.inbox.bodies.length, before, "no rogue frame reached the member");
  assert.equal(b.transport.counters(1)?.up, true, "the real link is untouched");
});

test("TLS: a member does not talk to an acceptor it does not trust", { skip }, async () => {
  const members = await loopbackMembers([1, 2]);
  const port = members.get(2)!.port;
  // The rogue at member 2's address: first with the untrusted CA's certificate, then plain.
  for (const rogueKind of ["untrusted certificate", "plain TCP"] as const) {
    const received: Buffer[] = [];
    const server =
      rogueKind === "plain TCP"
        ? createServer((s) => {
            sockets.add(s);
            // Answers as a plain member would answer a TLS ClientHello: bad magic, in clear.
            s.on("data", (d: Buffer) => {
              received.push(d);
              s.end(Buffer.of(PeerRefusal.badMagic));
            });
            s.on("error", () => {});
          })
        : createServer((s) => {
            sockets.add(s);
            serveUntrustedTls(pki, s, received);
          });
    servers.add(server);
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    const a = await member(1, members, { tls: ssl(pki.serverPem) });
    await waitFor(
      () => warnings(a, "peer not trusted").length > 0,
      10000,
      `${rogueKind}: ${JSON.stringify(a.logger.lines.slice(-3))}`,
    );
    const text = Buffer.concat(received);
    assert.equal(text.includes(Buffer.from("CRLP")), false, `${rogueKind}: hello seen in clear`);
    assert.match(String(warnings(a, "peer not trusted")[0].fields?.reason), /TLS handshake failed/);
    assert.equal(a.transport.counters(2)?.up, false);
    await a.transport.stop();
    running.delete(a.transport);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    servers.delete(server);
  }
});

/** Plays a dialler by hand: the hello, then `answer` built from the challenge. */
async function rogueDialler(
  port: number,
  answer: (nonceA: Buffer) => Buffer,
  dial: () => Socket = () => netConnect({ host: "127.0.0.1", port }),
): Promise<Buffer> {
  const rogue = raw(dial());
  rogue.socket.on(rogue.socket instanceof TLSSocket ? "secureConnect" : "connect", () =>
    rogue.socket.write(encodePeerHandshake(ensembleId, 1, 2)),
  );
  await waitFor(() => rogue.received().length >= 1 + nonceBytes, 5000, "challenge");
  const challenge = rogue.received();
  assert.equal(challenge[0], authenticateAnswer);
  rogue.socket.write(
    Buffer.concat([answer(challenge.subarray(1, 1 + nonceBytes)), Buffer.from([0, 0, 0, 1, 7])]),
  );
  await rogue.closed;
  return rogue.received().subarray(1 + nonceBytes);
}

test("SASL: members authenticate; rogue diallers are refused with one line", { skip }, async () => {
  const members = await loopbackMembers([1, 2]);
  const a = await member(1, members, { auth: authSettings("right-password") });
  const b = await member(2, members, { auth: authSettings("right-password") });
  await exchange(a, b);
  const port = members.get(2)!.port;
  const binding = { ensembleId, from: 1, to: 2 };
  const cases: [string, (nonceA: Buffer) => Buffer, number, RegExp][] = [
    ["no credentials", () => Buffer.of(0), PeerRefusal.authRequired, /no credentials/],
    [
      "wrong password",
      (n) => new DiallerAuth({ username: "quorum", password: "guess" }, binding).answer(n),
      PeerRefusal.authFailed,
      /authentication failed for user quorum/,
    ],
    [
      "unknown user",
      (n) => new DiallerAuth({ username: "mallory", password: "x" }, binding).answer(n),
      PeerRefusal.authFailed,
      /authentication failed for user mallory/,
    ],
    [
      "right password bound to another link",
      (n) =>
        new DiallerAuth(
          { username: "quorum", password: "right-password" },
          { ensembleId, from: 1, to: 3 },
        ).answer(n),
      PeerRefusal.authFailed,
      /authentication failed/,
    ],
  ];
  for (const [what, answer, code, detail] of cases) {
    const before = warnings(b, "refusing peer connection").length;
    const reply = await rogueDialler(port, answer);
    assert.deepEqual([...reply], [code], what);
    const lines = warnings(b, "refusing peer connection").slice(before);
    assert.equal(lines.length, 1, what);
    assert.match(String(lines[0].fields?.detail), detail, what);
  }
  assert.deepEqual(
    b.inbox.bodies.map((x) => x.text),
    ["hello b"],
    "no rogue frame reached the member",
  );
  // A member with the wrong password is refused the same way, and says why in one line.
  const members2 = await loopbackMembers([1, 2]);
  const good = await member(2, members2, { auth: authSettings("right-password") });
  const bad = await member(1, members2, { auth: authSettings("wrong-password") });
  await waitFor(() => warnings(bad, "peer refused our link").length > 0, 10000, "refused");
  assert.match(
    String(warnings(bad, "peer refused our link")[0].fields?.reason),
    /authentication failed/,
  );
  assert.equal(good.inbox.bodies.length, 0);
});

test("SASL: a member does not talk to an acceptor that cannot prove the password", {
  skip,
}, async () => {
  const members = await loopbackMembers([1, 2]);
  const port = members.get(2)!.port;
  // Two rogues at member 2's address: one that admits without a challenge, and one that
  // challenges and then claims success with a made-up proof. The message queued while the
  // link is dialled must never reach either.
  for (const rogueKind of ["no challenge", "made-up proof"] as const) {
    const received: Buffer[] = [];
    const server = createServer((s) => {
      sockets.add(s);
      s.on("error", () => {});
      let step = 0;
      s.on("data", (d: Buffer) => {
        received.push(d);
        if (step++ === 0) {
          if (rogueKind === "no challenge") s.write(Buffer.of(0));
          else s.write(Buffer.concat([Buffer.of(authenticateAnswer), Buffer.alloc(nonceBytes, 7)]));
        } else if (step === 2) {
          s.write(Buffer.concat([Buffer.of(0), Buffer.alloc(32, 1)]));
        }
      });
    });
    servers.add(server);
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    const a = await member(1, members, { auth: authSettings("right-password") });
    a.transport.send(2, Buffer.from("a log entry"));
    await waitFor(() => warnings(a, "peer not trusted").length > 0, 10000, rogueKind);
    const seen = Buffer.concat(received);
    assert.equal(seen.includes(Buffer.from("a log entry")), false, rogueKind);
    assert.equal(a.transport.counters(2)?.up, false, rogueKind);
    assert.match(
      String(warnings(a, "peer not trusted")[0].fields?.reason),
      rogueKind === "no challenge"
        ? /did not ask us to authenticate/
        : /does not know the quorum password/,
    );
    await a.transport.stop();
    running.delete(a.transport);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    servers.delete(server);
  }
});

test("SASL: with serverRequireSasl=false a dialler without credentials is admitted", {
  skip,
}, async () => {
  const members = await loopbackMembers([1, 2]);
  const upgrading = { requireDiallers: false, authenticate: false, credentials: null };
  const a = await member(1, members, { auth: authSettings("right-password", upgrading) });
  const b = await member(2, members, { auth: authSettings("right-password", upgrading) });
  await exchange(a, b);
  assert.equal(
    warnings(b, "peer did not authenticate; admitted (quorum.auth.serverRequireSasl=false)").length,
    1,
  );
});

test("TLS and SASL together; a trusted certificate without the password is refused", {
  skip,
}, async () => {
  const members = await loopbackMembers([1, 2]);
  const security = { tls: ssl(pki.serverPem), auth: authSettings("right-password") };
  const a = await member(1, members, security);
  const b = await member(2, members, { ...security, tls: ssl(pki.serverPem) });
  await exchange(a, b);
  // A trusted certificate for the right host is not enough without the password.
  const port = members.get(2)!.port;
  const wrong = new DiallerAuth(
    { username: "quorum", password: "guess" },
    {
      ensembleId,
      from: 1,
      to: 2,
    },
  );
  const reply = await rogueDialler(
    port,
    (n) => wrong.answer(n),
    () => tlsDial(port, pki.serverPem),
  );
  assert.deepEqual([...reply], [PeerRefusal.authFailed]);
  assert.deepEqual(
    b.inbox.bodies.map((x) => x.text),
    ["hello b"],
  );
});

test("sslQuorumReloadCertFiles: a replaced key store serves the next connection", {
  skip,
}, async () => {
  const pem = `${pki.dir}/rotating-member.pem`;
  pki.reissueServer(pem, "first");
  const members = await loopbackMembers([1, 2]);
  const b = await member(2, members, { tls: ssl(pem), reloadCertFiles: true });
  const port = members.get(2)!.port;
  const presented = async (): Promise<string> => {
    const socket = tlsDial(port, pki.serverPem);
    sockets.add(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("secureConnect", () => resolve());
      socket.once("error", reject);
    });
    const cn = socket.getPeerCertificate().subject.CN;
    socket.destroy();
    return String(cn);
  };
  assert.equal(await presented(), "first");
  pki.reissueServer(pem, "second");
  await waitFor(async () => (await presented()) === "second", 5000, "the new certificate");
  assert.ok(b.logger.lines.some((l) => l.message === "TLS certificates reloaded"));
});

test("a member does not start less secure than configured", { skip }, () => {
  const q = defaultQuorumSecurityConfig();
  q.sslQuorum = true;
  q.ssl.keyStore.location = `${pki.dir}/no-such-store.p12`;
  assert.throws(() => peerSecurity(q, new MemoryLogger()), /sslQuorum: .*ENOENT/);
  const sasl = defaultQuorumSecurityConfig();
  sasl.auth.enableSasl = true;
  assert.throws(() => peerAuthSettings(sasl.auth), /needs the JAAS section QuorumServer/);
  sasl.auth.serverUsers = new Map([["quorum", "pw"]]);
  sasl.auth.learnerRequireSasl = true;
  assert.throws(() => peerAuthSettings(sasl.auth), /needs the JAAS section QuorumLearner/);
  // A name the hello's length byte cannot carry is refused at start, not at the first link.
  sasl.auth.learnerCredentials = { username: "q".repeat(256), password: "pw" };
  assert.throws(() => peerAuthSettings(sasl.auth), /username must be 1\.\.255 bytes/);
  sasl.auth.learnerCredentials = { username: "", password: "pw" };
  assert.throws(() => peerAuthSettings(sasl.auth), /not 0/);
  sasl.auth.learnerCredentials = { username: "quorum", password: "pw" };
  const logger = new MemoryLogger();
  const built = peerSecurity(sasl, logger);
  assert.equal(built.tls, undefined);
  assert.equal(built.auth?.authenticate, true);
  assert.equal(built.auth?.requireDiallers, false);
  assert.deepEqual(logger.lines[0].fields, {
    tls: "off",
    memberAuth: "on (learnerRequireSasl=true, serverRequireSasl=false)",
  });
});
