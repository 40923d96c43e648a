// The handshake that opens every peer link, both sides of it, without a socket: bytes go in,
// a step comes out (send these bytes, wait, admit, close), and io/peer-transport.ts does the
// I/O. Integers are big-endian.
//
// The hello, sent once by the dialler as soon as its connection (or its TLS) is up:
//   4 bytes  magic "CRLP" (0x43 0x52 0x4c 0x50)
//   u8       protocol version, 1
//   u8       ensemble id length E (1..255)
//   E bytes  the ensemble id, UTF-8
//   u32      the dialler's member id
//   u32      the member id the dialler believes it is talking to
//
// The acceptor's answer:
//   u8       0 = accepted, or a refusal code (PeerRefusal), after which it closes.
// With member authentication (quorum.auth.*) the acceptor answers a good hello with a
// challenge instead, and the 0 (followed by the acceptor's proof, when the dialler presented
// credentials) or a refusal comes only after the dialler's answer; io/peer-auth.ts has that
// layout. Nothing else ever travels from acceptor to dialler.
//
// The acceptor checks the magic and version, that the ensemble id is its own (or one it may
// adopt, see EnsembleIdentity, once the dialler passed every other check), that the dialler is in its member table and is not itself,
// that the target is itself, with TLS that the dialler's certificate names it, and with
// authentication that the dialler holds the quorum's credentials. Each refusal is logged
// here, in one line naming the remote address and the reason. The dialler, for its part,
// refuses an acceptor that refused it, that cannot prove the password it asked for, or that
// did not ask for one when this member requires it (learnerRequireSasl).
import { Buffer } from "node:buffer";
import type { LogFields, Logger } from "../base/logger.js";
import {
  AcceptorAuth,
  type AuthBinding,
  authenticateAnswer,
  DiallerAuth,
  noCredentials,
  nonceBytes,
  type PeerAuthSettings,
  proofBytes,
} from "./peer-auth.js";

/** The acceptor's one-byte answer to a handshake. */
export const PeerRefusal = {
  accepted: 0,
  badMagic: 1,
  badVersion: 2,
  wrongEnsemble: 3,
  unknownMember: 4,
  dialledItself: 5,
  wrongTarget: 6,
  untrustedCertificate: 7,
  authRequired: 8,
  authFailed: 9,
} as const;
export type PeerRefusal = (typeof PeerRefusal)[keyof typeof PeerRefusal];

const refusalReasons: readonly string[] = [
  "accepted",
  "bad magic",
  "unsupported protocol version",
  "wrong ensemble id",
  "dialler is not in the member table",
  "dialler claims the acceptor's own id",
  "dialler expected another member at this address",
  "certificate not trusted",
  "authentication required",
  "authentication failed",
];

const magic = Buffer.from("CRLP", "latin1");
export const peerProtocolVersion = 1;
const helloFixedBytes = 4 + 1 + 1 + 4 + 4;
export const ensembleIdBytesMax = 255;
const acceptedAnswer = Buffer.of(PeerRefusal.accepted);
const refusalAnswers: readonly Buffer[] = refusalReasons.map((_, code) => Buffer.of(code));

/** How a dialler's failure reason starts when the acceptor refused it (a misconfiguration). */
export const refusedPrefix = "refused by peer: ";
/** How it starts when the dialler does not trust the acceptor. */
export const untrustedPrefix = "not trusted: ";

/** The dialler's hello (layout above). Exported for tests that play a peer by hand. */
export function encodePeerHandshake(ensembleId: string, from: number, to: number): Buffer {
  const id = Buffer.from(ensembleId, "utf8");
  if (id.length < 1 || id.length > ensembleIdBytesMax) {
    throw new RangeError(`ensemble id must be 1..${ensembleIdBytesMax} bytes of UTF-8`);
  }
  const out = Buffer.alloc(helloFixedBytes + id.length);
  magic.copy(out, 0);
  out[4] = peerProtocolVersion;
  out[5] = id.length;
  id.copy(out, 6);
  out.writeUInt32BE(from, 6 + id.length);
  out.writeUInt32BE(to, 10 + id.length);
  return out;
}

/**
 * The ensemble id a member presents in its hellos and accepts in others'. It changes at most
 * once: a member may adopt the id a listed member dials it with (a member with no data
 * joining a running ensemble, docs/ensemble.md "Changing the membership"), if its owner
 * allows it, and only while no link with its own id ever came up. A member of a new ensemble
 * meets its peers within moments, so a misconfigured dialler cannot talk it out of its
 * ensemble; a joiner never meets anyone with the id its server lines derive.
 */
export class EnsembleIdentity {
  private current: string;
  private currentBytes: Buffer;
  /** A link (either way) completed its handshake with this member's ensemble id. */
  private linkedOnce = false;

  constructor(
    configured: string,
    private readonly logger: Logger,
    private readonly allowAdoption?: (ensembleId: string, from: number) => boolean,
  ) {
    this.current = configured;
    this.currentBytes = Buffer.from(configured, "utf8");
  }

  get id(): string {
    return this.current;
  }

  /** Whether data[start, start + length) is this member's ensemble id in UTF-8. */
  matches(data: Buffer, start: number, length: number): boolean {
    const ours = this.currentBytes;
    return length === ours.length && data.compare(ours, 0, length, start, start + length) === 0;
  }

  /** Whether a hello with another id could still be adopted (the owner has the last word). */
  get adoptable(): boolean {
    return !this.linkedOnce && this.allowAdoption !== undefined;
  }

  /** A link came up, so the id is settled. */
  linked(): void {
    this.linkedOnce = true;
  }

  /** Adopts `ensembleId`, from listed member `from`, if allowed now (see the class comment). */
  adopt(ensembleId: string, from: number): boolean {
    if (this.linkedOnce || this.allowAdoption === undefined) return false;
    if (!this.allowAdoption(ensembleId, from)) return false;
    this.logger.info("joining the ensemble of a member that dialled in", {
      ensembleId,
      peer: from,
      was: this.current,
    });
    this.current = ensembleId;
    this.currentBytes = Buffer.from(ensembleId, "utf8");
    return true;
  }
}

/** What an acceptor checks hellos against: one per transport, shared by its connections. */
export interface AcceptorRules {
  readonly self: number;
  readonly ensemble: EnsembleIdentity;
  /** The configured host of member `id`, or undefined when the member table lacks it. */
  memberHost(id: number): string | undefined;
  readonly auth: PeerAuthSettings | undefined;
  readonly logger: Logger;
}

/** What the acceptor's side asks of the transport after some bytes. */
export type AcceptorStep =
  /** Keep the bytes after `consumed` for the next call; send `reply` if not null. */
  | { readonly kind: "wait"; readonly consumed: number; readonly reply: Buffer | null }
  /** The dialler is member `peer`: send `reply`, then frames start after `consumed`. */
  | {
      readonly kind: "admit";
      readonly peer: number;
      readonly consumed: number;
      readonly reply: Buffer;
    }
  /** Refused and logged: send `reply` if not null, then close. */
  | { readonly kind: "close"; readonly reply: Buffer | null };

/** One accepted connection's side of the handshake, from its first byte to the 0. */
export class AcceptorHandshake {
  /** The member id of a good hello, while authentication runs. */
  private claimed = 0;
  private auth: AcceptorAuth | null = null;
  /** The other ensemble id of a hello this member may adopt once the dialler is admitted. */
  private adopting: { readonly id: string; readonly printable: string } | null = null;

  constructor(
    private readonly rules: AcceptorRules,
    /** The dialler's address and port, for log lines. */
    private readonly remote: string,
    /** With TLS: why the dialler's certificate names neither its address nor this host. */
    private readonly certificateRefusal: ((claimedHost: string) => string | null) | null,
  ) {}

  /**
   * Reads the handshake at the start of `data`, which begins after what earlier calls
   * consumed: the hello, then the answer to our challenge when members authenticate.
   */
  receive(data: Buffer): AcceptorStep {
    let offset = 0;
    let challenge: Buffer | null = null;
    if (this.auth === null) {
      const hello = this.readHello(data);
      if (hello.kind !== "wait" || this.auth === null) return hello;
      offset = hello.consumed;
      challenge = hello.reply;
    }
    const verdict = this.auth.receive(offset === 0 ? data : data.subarray(offset));
    if (verdict.kind === "incomplete") return { kind: "wait", consumed: offset, reply: challenge };
    if (verdict.kind === "malformed") {
      this.rules.logger.warn("closing peer connection", {
        remote: this.remote,
        reason: "malformed authentication answer",
        claimed: this.claimed,
        detail: verdict.reason,
      });
      return { kind: "close", reply: challenge };
    }
    if (verdict.failure !== null) {
      if (this.rules.auth?.requireDiallers === true) {
        const code =
          verdict.failure === noCredentials ? PeerRefusal.authRequired : PeerRefusal.authFailed;
        const refusal = this.refuse(code, { claimed: this.claimed, detail: verdict.failure });
        return { kind: "close", reply: joined(challenge, refusal.reply) };
      }
      this.rules.logger.warn(
        "peer did not authenticate; admitted (quorum.auth.serverRequireSasl=false)",
        { remote: this.remote, claimed: this.claimed, detail: verdict.failure },
      );
    }
    return this.admit(this.claimed, offset + verdict.consumed, challenge, verdict.proof);
  }

  /** Refuses a dialler whose certificate TLS found untrusted, before its hello. */
  refuseCertificate(detail: string): { kind: "close"; reply: Buffer } {
    return this.refuse(PeerRefusal.untrustedCertificate, { detail });
  }

  /** The hello: wait (for more bytes, or for the answer to our challenge), admit or close. */
  private readHello(data: Buffer): AcceptorStep {
    const have = data.length;
    const magicBytes = Math.min(have, 4);
    if (data.compare(magic, 0, magicBytes, 0, magicBytes) !== 0) {
      return this.refuse(PeerRefusal.badMagic, {});
    }
    if (have >= 5 && data[4] !== peerProtocolVersion) {
      return this.refuse(PeerRefusal.badVersion, { version: data[4] });
    }
    if (have < 6) return waitForMore;
    const idBytes = data[5];
    const total = helloFixedBytes + idBytes;
    if (have < total) return waitForMore;
    const from = data.readUInt32BE(6 + idBytes);
    const target = data.readUInt32BE(10 + idBytes);
    const rules = this.rules;
    const host = rules.memberHost(from);
    if (!rules.ensemble.matches(data, 6, idBytes)) {
      // Whatever the dialler sent, printable, so it cannot forge log lines.
      const printable = data.toString("latin1", 6, 6 + idBytes).replace(/[^\x20-\x7e]/g, "?");
      // Another id may be adopted only from a listed member (an empty id is nobody's), and
      // only once that member passed every check below, authentication included: a dialler
      // that cannot prove itself does not talk a joiner into another ensemble.
      if (idBytes === 0 || host === undefined || from === rules.self || !rules.ensemble.adoptable) {
        return this.refuse(PeerRefusal.wrongEnsemble, { ensembleId: printable });
      }
      this.adopting = { id: data.toString("utf8", 6, 6 + idBytes), printable };
    }
    if (from === rules.self) return this.refuse(PeerRefusal.dialledItself, { claimed: from });
    if (host === undefined) return this.refuse(PeerRefusal.unknownMember, { claimed: from });
    if (target !== rules.self) {
      return this.refuse(PeerRefusal.wrongTarget, { claimed: from, target });
    }
    const why = this.certificateRefusal?.(host) ?? null;
    if (why !== null) {
      return this.refuse(PeerRefusal.untrustedCertificate, { claimed: from, detail: why });
    }
    const auth = rules.auth;
    if (auth === undefined) return this.admit(from, total, null, emptyProof);
    this.claimed = from;
    // The proofs are bound to the id the hello carries, ours or the one to adopt.
    const binding = { ensembleId: this.adopting?.id ?? rules.ensemble.id, from, to: rules.self };
    this.auth = new AcceptorAuth(auth.users, binding);
    return { kind: "wait", consumed: total, reply: this.auth.challenge() };
  }

  /** Admits the dialler, after adopting the id of its hello when it carried another one. */
  private admit(
    peer: number,
    consumed: number,
    before: Buffer | null,
    proof: Buffer,
  ): AcceptorStep {
    const adopting = this.adopting;
    const ensemble = this.rules.ensemble;
    // Another connection may have adopted the same id while this one authenticated.
    if (adopting !== null && adopting.id !== ensemble.id && !ensemble.adopt(adopting.id, peer)) {
      const refusal = this.refuse(PeerRefusal.wrongEnsemble, { ensembleId: adopting.printable });
      return { kind: "close", reply: joined(before, refusal.reply) };
    }
    const answer = proof.length === 0 ? acceptedAnswer : Buffer.concat([acceptedAnswer, proof]);
    return { kind: "admit", peer, consumed, reply: joined(before, answer) };
  }

  /** Logs why, and answers the refusal code so that the dialler can log it too. */
  private refuse(code: PeerRefusal, fields: LogFields): { kind: "close"; reply: Buffer } {
    this.rules.logger.warn("refusing peer connection", {
      remote: this.remote,
      reason: refusalReasons[code],
      ...fields,
    });
    return { kind: "close", reply: refusalAnswers[code] };
  }
}

const waitForMore: AcceptorStep = { kind: "wait", consumed: 0, reply: null };
const emptyProof = Buffer.alloc(0);

/** `b` after `a`, when a challenge and its outcome leave in one call (kept byte-exact). */
function joined(a: Buffer | null, b: Buffer): Buffer {
  return a === null ? b : Buffer.concat([a, b]);
}

/** What the dialler's side asks of the transport after some bytes of the acceptor's answer. */
export type DiallerStep =
  /** Not finished: send `reply` (the answer to a challenge) if not null, then wait. */
  | { readonly kind: "wait"; readonly reply: Buffer | null }
  /** Both sides accepted each other: send `reply` if not null, then frames may flow. */
  | { readonly kind: "up"; readonly reply: Buffer | null }
  /** The link cannot be used; `reason` starts with refusedPrefix or untrustedPrefix. */
  | { readonly kind: "failed"; readonly reason: string };

/** One dial's side of the handshake, after its hello went out. */
export class DiallerHandshake {
  /** The hello to send first. */
  readonly hello: Buffer;
  /** Set once the acceptor's final answer has arrived; later bytes are not read. */
  finished = false;
  /** Bytes of the acceptor's answer received so far, when it came in pieces. */
  private partial: Buffer | null = null;
  /** This dial's side of member authentication, once the acceptor challenged us. */
  private auth: DiallerAuth | null = null;
  private readonly binding: AuthBinding;

  constructor(
    ensemble: EnsembleIdentity,
    self: number,
    to: number,
    private readonly settings: PeerAuthSettings | undefined,
  ) {
    this.hello = encodePeerHandshake(ensemble.id, self, to);
    this.binding = { ensembleId: ensemble.id, from: self, to };
  }

  /**
   * The acceptor's answer to our hello: 0, a refusal, or (with member authentication) a
   * challenge, answered here, followed by 0 and the acceptor's proof or a refusal.
   */
  receive(chunk: Buffer): DiallerStep {
    let data = this.partial === null ? chunk : Buffer.concat([this.partial, chunk]);
    this.partial = null;
    let reply: Buffer | null = null;
    if (data[0] === authenticateAnswer && this.auth === null) {
      if (data.length < 1 + nonceBytes) {
        this.partial = data;
        return { kind: "wait", reply: null };
      }
      this.auth = new DiallerAuth(this.settings?.credentials ?? null, this.binding);
      reply = this.auth.answer(data.subarray(1, 1 + nonceBytes));
      data = data.subarray(1 + nonceBytes);
      if (data.length === 0) return { kind: "wait", reply };
    }
    const answer = data[0];
    if (answer !== PeerRefusal.accepted) {
      this.finished = true;
      const reason = refusalReasons[answer] ?? `code ${answer}`;
      return { kind: "failed", reason: `${refusedPrefix}${reason}` };
    }
    const auth = this.auth;
    if (auth?.authenticating === true) {
      if (data.length < 1 + proofBytes) {
        this.partial = data;
        return { kind: "wait", reply };
      }
      this.finished = true;
      if (!auth.acceptorProved(data.subarray(1, 1 + proofBytes))) {
        return { kind: "failed", reason: `${untrustedPrefix}it does not know the quorum password` };
      }
    } else {
      this.finished = true;
      if (this.settings?.authenticate === true) {
        // quorum.auth.learnerRequireSasl: a link only to a member that proves it is one.
        return { kind: "failed", reason: `${untrustedPrefix}it did not ask us to authenticate` };
      }
    }
    return { kind: "up", reply };
  }
}
