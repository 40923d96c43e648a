// Proves the peer handshake on its own, with no socket: a good hello is admitted whole or
// byte by byte and the frames behind it are left alone; every bad hello (garbage, a wrong
// version, a wrong ensemble id, an impossible or unknown member, a wrong target, a
// certificate that names another host) is refused with its code and exactly one log line,
// and the same acceptor rules then admit the next good dialler, so the member stays up; a
// truncated hello waits and, when the connection closes, leaves one log line. Ensemble-id
// adoption happens once, only from a listed member and only before any link came up, and
// never takes an empty id. With member authentication the two sides complete the exchange
// through each other in memory (a joiner's too, bound to the id it adopted); a dialler without credentials, with a wrong password or a
// malformed answer is closed with one log line; with serverRequireSasl=false it is admitted
// with a warning; and the dialler refuses an acceptor that cannot prove the password or that
// did not ask for it.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Socket } from "node:net";
import { test } from "node:test";
import { MemoryLogger } from "../../src/base/logger.js";
import { DiallerAuth, type PeerAuthSettings } from "../../src/io/peer-auth.js";
import {
  AcceptorHandshake,
  type AcceptorRules,
  type AcceptorStep,
  DiallerHandshake,
  type DiallerStep,
  EnsembleIdentity,
  encodePeerHandshake,
  PeerRefusal,
} from "../../src/io/peer-handshake.js";
import { InboundConnection, type InboundOwner } from "../../src/io/peer-inbound.js";
import { authSettings } from "../support/quorum-security.js";

const ensembleId = "unit-ensemble";
const remote = "192.0.2.7:40000";

/** Member 1's acceptor rules, with members 2 and 3 listed. */
function rules(
  options: { auth?: PeerAuthSettings; adopt?: (id: string, from: number) => boolean } = {},
): AcceptorRules & { logger: MemoryLogger } {
  const logger = new MemoryLogger();
  const hosts = new Map([
    [2, "host-two"],
    [3, "host-three"],
  ]);
  return {
    self: 1,
    ensemble: new EnsembleIdentity(ensembleId, logger, options.adopt),
    memberHost: (id) => hosts.get(id),
    auth: options.auth,
    logger,
  };
}

function acceptor(
  r: AcceptorRules,
  certificateRefusal: ((host: string) => string | null) | null = null,
) {
  return new AcceptorHandshake(r, remote, certificateRefusal);
}

function admitted(step: AcceptorStep): { peer: number; consumed: number; reply: Buffer } {
  assert.equal(step.kind, "admit", JSON.stringify(step));
  return step as { kind: "admit"; peer: number; consumed: number; reply: Buffer };
}

/** Asserts a refusal: the answer `code` (or none) and one log line saying `reason`. */
function assertRefused(
  r: { logger: MemoryLogger },
  step: AcceptorStep,
  code: number | null,
  reason: RegExp,
  what: string,
): void {
  assert.equal(step.kind, "close", `${what}: ${JSON.stringify(step)}`);
  const reply = (step as { reply: Buffer | null }).reply;
  assert.deepEqual(
    reply === null ? null : [...reply].slice(-1),
    code === null ? null : [code],
    what,
  );
  const lines = r.logger.lines;
  assert.equal(lines.length, 1, `${what}: ${JSON.stringify(lines)}`);
  assert.equal(lines[0].level, "warn", what);
  assert.equal(lines[0].fields?.remote, remote, what);
  assert.match(String(lines[0].fields?.reason), reason, what);
}

/** After a refusal the same rules still admit a good dialler: the member is unharmed. */
function assertStillAccepts(r: AcceptorRules & { logger: MemoryLogger }, what: string): void {
  r.logger.lines.length = 0;
  const step = acceptor(r).receive(encodePeerHandshake(ensembleId, 2, 1));
  assert.equal(admitted(step).peer, 2, what);
  assert.equal(r.logger.lines.length, 0, what);
}

test("a good hello is admitted whole or byte by byte; frames behind it are not taken", () => {
  const r = rules();
  const hello = encodePeerHandshake(ensembleId, 3, 1);
  const frame = Buffer.of(0, 0, 0, 1, 42);
  const whole = admitted(acceptor(r).receive(Buffer.concat([hello, frame])));
  assert.deepEqual(whole, { kind: "admit", peer: 3, consumed: hello.length, reply: Buffer.of(0) });

  // Piece by piece, as TCP may deliver it: nothing is consumed until the hello is whole.
  const a = acceptor(r);
  for (let end = 1; end < hello.length; end++) {
    assert.deepEqual(a.receive(hello.subarray(0, end)), { kind: "wait", consumed: 0, reply: null });
  }
  assert.equal(admitted(a.receive(hello)).peer, 3);
  assert.equal(r.logger.lines.length, 0, "a good dialler leaves no warning");
});

test("each bad hello is refused with its code and one log line; the member stays up", () => {
  const good = encodePeerHandshake(ensembleId, 2, 1);
  const badVersion = Buffer.from(good);
  badVersion[4] = 9;
  const emptyId = Buffer.concat([
    good.subarray(0, 5),
    Buffer.of(0),
    good.subarray(6 + ensembleId.length),
  ]);
  const cases: [string, Buffer, number, RegExp][] = [
    ["garbage", Buffer.from("GET / HTTP/1.1\r\n\r\n"), PeerRefusal.badMagic, /bad magic/],
    ["one wrong byte is enough", Buffer.from("X"), PeerRefusal.badMagic, /bad magic/],
    ["wrong version", badVersion, PeerRefusal.badVersion, /version/],
    [
      "wrong version, hello cut short",
      badVersion.subarray(0, 5),
      PeerRefusal.badVersion,
      /version/,
    ],
    [
      "wrong ensemble id",
      encodePeerHandshake("another-ensemble", 2, 1),
      PeerRefusal.wrongEnsemble,
      /wrong ensemble/,
    ],
    ["empty ensemble id", emptyId, PeerRefusal.wrongEnsemble, /wrong ensemble/],
    [
      "unknown member",
      encodePeerHandshake(ensembleId, 99, 1),
      PeerRefusal.unknownMember,
      /member table/,
    ],
    ["claims our id", encodePeerHandshake(ensembleId, 1, 1), PeerRefusal.dialledItself, /own id/],
    [
      "wrong target",
      encodePeerHandshake(ensembleId, 2, 3),
      PeerRefusal.wrongTarget,
      /another member/,
    ],
  ];
  for (const [what, bytes, code, reason] of cases) {
    const r = rules();
    assertRefused(r, acceptor(r).receive(bytes), code, reason, what);
    assertStillAccepts(r, what);
  }
});

test("a wrong ensemble id is logged printable, whatever bytes the dialler sent", () => {
  const r = rules();
  const hello = encodePeerHandshake("evil\nline\u0000", 2, 1);
  assertRefused(r, acceptor(r).receive(hello), PeerRefusal.wrongEnsemble, /wrong ensemble/, "evil");
  assert.equal(r.logger.lines[0].fields?.ensembleId, "evil?line?");
});

test("a certificate that names neither the dialler's address nor its member's host is refused", () => {
  const r = rules();
  const asked: string[] = [];
  const check = (host: string): string | null => {
    asked.push(host);
    return host === "host-two" ? null : `certificate names neither 192.0.2.7 nor ${host}`;
  };
  assert.equal(admitted(acceptor(r, check).receive(encodePeerHandshake(ensembleId, 2, 1))).peer, 2);
  const step = acceptor(r, check).receive(encodePeerHandshake(ensembleId, 3, 1));
  assertRefused(r, step, PeerRefusal.untrustedCertificate, /certificate not trusted/, "host");
  assert.deepEqual(asked, ["host-two", "host-three"], "checked against the claimed member's host");
  assert.match(String(r.logger.lines[0].fields?.detail), /host-three/);
});

test("a truncated hello waits; the connection then closes with one log line", () => {
  const r = rules();
  const written: Buffer[] = [];
  let destroyed = false;
  const socket = {
    write: (b: Buffer) => written.push(b),
    end: () => assert.fail("a truncated hello gets no answer"),
    destroy: () => {
      destroyed = true;
    },
  } as unknown as Socket;
  const owner: InboundOwner = {
    frameBytesMax: 1024,
    logger: r.logger,
    admitted: () => assert.fail("not admitted"),
    deliver: () => assert.fail("no frame"),
  };
  const c = new InboundConnection(owner, socket, remote, acceptor(r), 60_000);
  const hello = encodePeerHandshake(ensembleId, 2, 1);
  c.receive(hello.subarray(0, 7));
  c.receive(hello.subarray(7, 12));
  assert.equal(r.logger.lines.length, 0, "waiting is not news");
  assert.deepEqual(written, []);
  c.socketClosed();
  const lines = r.logger.lines;
  assert.equal(lines.length, 1, JSON.stringify(lines));
  assert.equal(lines[0].fields?.reason, "closed during the handshake");
  assert.equal(lines[0].fields?.partialBytes, 12);
  assert.equal(destroyed, false, "the peer closed it; nothing left to destroy");
  c.socketClosed();
  assert.equal(lines.length, 1, "a second close says nothing");
});

test("ensemble-id adoption: once, from a listed member, only before any link came up", () => {
  const asked: [string, number][] = [];
  const r = rules({
    adopt: (id, from) => {
      asked.push([id, from]);
      return true;
    },
  });
  // Not from an unlisted member, nor from one claiming our own id: they are never asked about.
  for (const from of [99, 1]) {
    r.logger.lines.length = 0;
    const step = acceptor(r).receive(encodePeerHandshake("joined", from, 1));
    assertRefused(r, step, PeerRefusal.wrongEnsemble, /wrong ensemble/, `from ${from}`);
  }
  assert.deepEqual(asked, []);
  r.logger.lines.length = 0;
  assert.equal(admitted(acceptor(r).receive(encodePeerHandshake("joined", 2, 1))).peer, 2);
  assert.deepEqual(asked, [["joined", 2]]);
  assert.equal(r.ensemble.id, "joined");
  assert.match(r.logger.lines[0].message, /joining the ensemble/);
  // Our diallers now present the adopted id.
  const d = new DiallerHandshake(r.ensemble, 1, 3, undefined);
  assert.deepEqual(d.hello, encodePeerHandshake("joined", 1, 3));
  // Once a link is up, the id is settled: the old one is now a wrong one.
  r.ensemble.linked();
  r.logger.lines.length = 0;
  const step = acceptor(r).receive(encodePeerHandshake(ensembleId, 3, 1));
  assertRefused(r, step, PeerRefusal.wrongEnsemble, /wrong ensemble/, "after a link");
  assert.equal(asked.length, 1);

  // An owner that says no keeps the member in its ensemble.
  const refusing = rules({ adopt: () => false });
  const no = acceptor(refusing).receive(encodePeerHandshake("joined", 2, 1));
  assertRefused(refusing, no, PeerRefusal.wrongEnsemble, /wrong ensemble/, "owner says no");
  assert.equal(refusing.ensemble.id, ensembleId);
});

test("an empty ensemble id is never adopted (no later hello could carry it)", () => {
  let asked = 0;
  const r = rules({
    adopt: () => {
      asked++;
      return true;
    },
  });
  const good = encodePeerHandshake(ensembleId, 2, 1);
  const emptyId = Buffer.concat([
    good.subarray(0, 5),
    Buffer.of(0),
    good.subarray(6 + ensembleId.length),
  ]);
  assertRefused(
    r,
    acceptor(r).receive(emptyId),
    PeerRefusal.wrongEnsemble,
    /wrong ensemble/,
    "empty",
  );
  assert.equal(asked, 0);
  assert.equal(r.ensemble.id, ensembleId);
});

/**
 * Runs the exchange between the two sides in memory, each direction cut into pieces of
 * `pieceBytes`; the acceptor is handed what it has not consumed yet, as InboundConnection does.
 */
function converse(
  a: AcceptorHandshake,
  d: DiallerHandshake,
  pieceBytes = Number.POSITIVE_INFINITY,
): { acceptor: AcceptorStep; dialler: DiallerStep | null } {
  let unread = Buffer.alloc(0);
  let toAcceptor = d.hello;
  for (let round = 0; round < 4; round++) {
    const toDialler: Buffer[] = [];
    let step: AcceptorStep | null = null;
    for (let at = 0; at < toAcceptor.length; at += pieceBytes) {
      unread = Buffer.concat([unread, toAcceptor.subarray(at, at + pieceBytes)]);
      step = a.receive(unread);
      if (step.reply !== null) toDialler.push(step.reply);
      if (step.kind !== "wait") break;
      unread = unread.subarray(step.consumed);
    }
    const bytes = Buffer.concat(toDialler);
    const answers: Buffer[] = [];
    let dialler: DiallerStep | null = null;
    for (let at = 0; at < bytes.length && !d.finished; at += pieceBytes) {
      dialler = d.receive(bytes.subarray(at, at + pieceBytes));
      if (dialler.kind === "failed") break;
      if (dialler.reply !== null) answers.push(dialler.reply);
    }
    assert.ok(step !== null);
    if (step.kind !== "wait" || d.finished || answers.length === 0) {
      return { acceptor: step, dialler };
    }
    toAcceptor = Buffer.concat(answers);
  }
  assert.fail("the handshake did not finish in four rounds");
}

test("member authentication: both sides accept each other, whole or in pieces", () => {
  for (const pieceBytes of [Number.POSITIVE_INFINITY, 7, 1]) {
    const r = rules({ auth: authSettings("right-password") });
    const d = new DiallerHandshake(r.ensemble, 2, 1, authSettings("right-password"));
    const { acceptor: step, dialler } = converse(acceptor(r), d, pieceBytes);
    const admit = admitted(step);
    assert.equal(admit.peer, 2);
    assert.equal(admit.reply.length, 1 + 32, "0 and the acceptor's proof");
    assert.deepEqual(dialler, { kind: "up", reply: null }, `pieces of ${pieceBytes}`);
    assert.equal(r.logger.lines.length, 0);
  }
});

test("authentication failures close the link with one log line; the member stays up", () => {
  const binding = { ensembleId, from: 2, to: 1 };
  const cases: [string, (nonceA: Buffer) => Buffer, number | null, RegExp, RegExp][] = [
    ["no credentials", () => Buffer.of(0), PeerRefusal.authRequired, /required/, /no credentials/],
    [
      "wrong password",
      (n) => new DiallerAuth({ username: "quorum", password: "guess" }, binding).answer(n),
      PeerRefusal.authFailed,
      /authentication failed/,
      /for user quorum/,
    ],
    [
      "unknown user",
      (n) => new DiallerAuth({ username: "mallory", password: "x" }, binding).answer(n),
      PeerRefusal.authFailed,
      /authentication failed/,
      /for user mallory/,
    ],
    [
      "a proof for another link",
      (n) =>
        new DiallerAuth(
          { username: "quorum", password: "right-password" },
          { ...binding, to: 3 },
        ).answer(n),
      PeerRefusal.authFailed,
      /authentication failed/,
      /for user quorum/,
    ],
    [
      "malformed answer",
      () => Buffer.of(7),
      null,
      /malformed authentication answer/,
      /unknown answer 7/,
    ],
    ["empty user name", () => Buffer.of(1, 0), null, /malformed/, /empty user name/],
  ];
  for (const [what, answer, code, reason, detail] of cases) {
    const r = rules({ auth: authSettings("right-password") });
    const a = acceptor(r);
    const hello = encodePeerHandshake(ensembleId, 2, 1);
    const challenge = a.receive(hello);
    assert.equal(challenge.kind, "wait", what);
    const { consumed, reply } = challenge as { consumed: number; reply: Buffer };
    assert.equal(consumed, hello.length, what);
    assert.equal(reply[0], 100, `${what}: a challenge`);
    const step = a.receive(answer(reply.subarray(1)));
    assertRefused(r, step, code, reason, what);
    assert.match(String(r.logger.lines[0].fields?.detail), detail, what);
    assert.equal(r.logger.lines[0].fields?.claimed, 2, what);
    r.logger.lines.length = 0;
    const d = new DiallerHandshake(r.ensemble, 2, 1, authSettings("right-password"));
    assert.equal(converse(acceptor(r), d).dialler?.kind, "up", `${what}: member still up`);
  }
});

test("serverRequireSasl=false admits a dialler without credentials, with a warning", () => {
  const r = rules({ auth: authSettings("right-password", { requireDiallers: false }) });
  const d = new DiallerHandshake(r.ensemble, 2, 1, undefined);
  const { acceptor: step, dialler } = converse(acceptor(r), d);
  assert.deepEqual(admitted(step).reply, Buffer.of(0), "no proof for a dialler that sent none");
  assert.deepEqual(dialler, { kind: "up", reply: null });
  assert.equal(r.logger.lines.length, 1);
  assert.match(r.logger.lines[0].message, /did not authenticate; admitted/);
});

test("the dialler refuses an acceptor that refused it, cannot prove the password or did not ask", () => {
  // The acceptor refuses a wrong password; the dialler says so.
  const strict = rules({ auth: authSettings("right-password") });
  const wrong = new DiallerHandshake(strict.ensemble, 2, 1, authSettings("wrong-password"));
  const refused = converse(acceptor(strict), wrong).dialler;
  assert.deepEqual(refused, { kind: "failed", reason: "refused by peer: authentication failed" });

  // An acceptor that admits anyone (serverRequireSasl=false) but does not know the password.
  const lax = rules({
    auth: authSettings("x", { requireDiallers: false, users: new Map([["quorum", "other"]]) }),
  });
  const d = new DiallerHandshake(lax.ensemble, 2, 1, authSettings("right-password"));
  const { acceptor: step, dialler } = converse(acceptor(lax), d);
  assert.equal(step.kind, "admit");
  assert.deepEqual(dialler, {
    kind: "failed",
    reason: "not trusted: it does not know the quorum password",
  });

  // learnerRequireSasl: an acceptor that never challenges is not a member.
  const open = rules();
  const demanding = new DiallerHandshake(open.ensemble, 2, 1, authSettings("right-password"));
  assert.deepEqual(converse(acceptor(open), demanding).dialler, {
    kind: "failed",
    reason: "not trusted: it did not ask us to authenticate",
  });

  // An unknown code is reported as such, and nothing after the answer is read.
  const plain = new DiallerHandshake(open.ensemble, 2, 1, undefined);
  assert.deepEqual(plain.receive(Buffer.of(42)), {
    kind: "failed",
    reason: "refused by peer: code 42",
  });
  assert.equal(plain.finished, true);
});

test("a joiner with member authentication adopts the id and both sides authenticate", () => {
  // Member 1 was started with an id of its own and may adopt; member 2 runs the ensemble.
  const joiner = rules({ auth: authSettings("right-password"), adopt: () => true });
  const running = new EnsembleIdentity("running-ensemble", new MemoryLogger());
  const d = new DiallerHandshake(running, 2, 1, authSettings("right-password"));
  const { acceptor: step, dialler } = converse(acceptor(joiner), d);
  assert.equal(admitted(step).peer, 2);
  assert.deepEqual(dialler, { kind: "up", reply: null });
  // The joiner's own dials then present, and prove, the adopted id.
  const back = new DiallerHandshake(joiner.ensemble, 1, 2, authSettings("right-password"));
  const runningRules: AcceptorRules = {
    self: 2,
    ensemble: running,
    memberHost: (id) => (id === 1 ? "host-one" : undefined),
    auth: authSettings("right-password"),
    logger: new MemoryLogger(),
  };
  const reverse = converse(new AcceptorHandshake(runningRules, remote, null), back);
  assert.equal(admitted(reverse.acceptor).peer, 1);
  assert.deepEqual(reverse.dialler, { kind: "up", reply: null });
});

test("another id is adopted only from a dialler that passed every other check", () => {
  const asked: string[] = [];
  const allow = (id: string): boolean => {
    asked.push(id);
    return true;
  };
  // Without authentication: a wrong target or a certificate for another host is refused first.
  const plain = rules({ adopt: allow });
  const wrongTarget = acceptor(plain).receive(encodePeerHandshake("joined", 2, 3));
  assertRefused(plain, wrongTarget, PeerRefusal.wrongTarget, /another member/, "wrong target");
  plain.logger.lines.length = 0;
  const host = acceptor(plain, () => "names another host");
  const hostStep = host.receive(encodePeerHandshake("joined", 2, 1));
  assertRefused(plain, hostStep, PeerRefusal.untrustedCertificate, /certificate/, "host");
  assert.deepEqual(asked, []);
  assert.equal(plain.ensemble.id, ensembleId);

  // With authentication: a wrong password is refused before anyone is asked.
  const secured = rules({ auth: authSettings("right-password"), adopt: allow });
  const running = new EnsembleIdentity("joined", new MemoryLogger());
  const rogue = new DiallerHandshake(running, 2, 1, authSettings("guess"));
  const refused = converse(acceptor(secured), rogue);
  assertRefused(
    secured,
    refused.acceptor,
    PeerRefusal.authFailed,
    /authentication failed/,
    "rogue",
  );
  assert.deepEqual(asked, []);
  assert.equal(secured.ensemble.id, ensembleId);
  // The member itself is admitted, and only then is the id adopted.
  const member = new DiallerHandshake(running, 2, 1, authSettings("right-password"));
  assert.equal(converse(acceptor(secured), member).dialler?.kind, "up");
  assert.deepEqual(asked, ["joined"]);
  assert.equal(secured.ensemble.id, "joined");
});
