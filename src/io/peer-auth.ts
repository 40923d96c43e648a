// Member authentication on a peer link (quorum.auth.*), run inside Corral's own peer
// handshake (io/peer-handshake.ts) once the acceptor has checked the dialler's hello. Only
// the configuration is ZooKeeper's (a JAAS QuorumServer section of `user_<name>` passwords,
// a QuorumLearner section with `username` and `password`); the exchange is Corral's own, a
// mutual challenge-response in which neither side ever sends the password:
//
//   acceptor -> dialler   u8 100 ("authenticate"), 32 bytes nonceA
//   dialler -> acceptor   u8 0 (no credentials), or
//                         u8 1, u8 length U (1..255), U bytes user name (UTF-8),
//                         32 bytes nonceD, 32 bytes proofD
//   acceptor -> dialler   u8 refusal code (then it closes), or
//                         u8 0, and after credentials 32 bytes proofA
//
//   transcript = "corral peer auth 1" 0x00 ensembleId 0x00 u32 from u32 to nonceA nonceD user
//   proofD = HMAC-SHA256(password, "learner" transcript)
//   proofA = HMAC-SHA256(password, "server" transcript)
//
// Both nonces are fresh per connection, so no proof can be replayed; the two labels stop a
// proof from being reflected back; the member ids and ensemble id in the transcript tie the
// proof to this link. An unknown user costs the acceptor the same work as a wrong password,
// and proofs are compared in constant time. A dialler that authenticated keeps the link only
// if proofA checks out, so a process posing as a member at its address (one that does not
// know the password) never receives a frame: it cannot read the log.
//
// As in ZooKeeper, authentication proves that the other side holds the quorum's credentials,
// not which member it is; the hello's member id is taken on trust from a holder of them.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { QuorumAuthConfig } from "../server/quorum-security-config.js";

export const authenticateAnswer = 100;
export const nonceBytes = 32;
export const proofBytes = 32;
const userBytesMax = 255;
/** The failure of a dialler that answered the challenge without credentials. */
export const noCredentials = "no credentials";
const transcriptLabel = Buffer.from("corral peer auth 1\u0000", "latin1");

/** What a link's two ends and their nonces are, for the transcript. */
export interface AuthBinding {
  readonly ensembleId: string;
  readonly from: number;
  readonly to: number;
}

function proof(
  password: Buffer,
  role: "learner" | "server",
  binding: AuthBinding,
  nonceA: Uint8Array,
  nonceD: Uint8Array,
  user: Uint8Array,
): Buffer {
  const ids = Buffer.alloc(8);
  ids.writeUInt32BE(binding.from, 0);
  ids.writeUInt32BE(binding.to, 4);
  return createHmac("sha256", password)
    .update(role)
    .update(transcriptLabel)
    .update(Buffer.from(`${binding.ensembleId}\u0000`, "utf8"))
    .update(ids)
    .update(nonceA)
    .update(nonceD)
    .update(user)
    .digest();
}

function equalProofs(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The acceptor's verdict on a dialler's answer to its challenge. */
export type AcceptorVerdict =
  | { readonly kind: "incomplete" }
  | { readonly kind: "malformed"; readonly reason: string }
  | {
      readonly kind: "done";
      /** Bytes of the answer consumed. */
      readonly consumed: number;
      /** The authenticated user, or null when the dialler skipped or failed. */
      readonly user: string | null;
      /** Why authentication did not succeed, when it did not. */
      readonly failure: string | null;
      /** What to send after the 0 when the link is accepted (proofA), else empty. */
      readonly proof: Buffer;
    };

/** One accepted connection's side of the exchange. */
export class AcceptorAuth {
  readonly nonceA: Buffer;

  constructor(
    private readonly users: ReadonlyMap<string, string>,
    private readonly binding: AuthBinding,
  ) {
    this.nonceA = randomBytes(nonceBytes);
  }

  /** The challenge to send once the hello is accepted. */
  challenge(): Buffer {
    const out = Buffer.allocUnsafe(1 + nonceBytes);
    out[0] = authenticateAnswer;
    this.nonceA.copy(out, 1);
    return out;
  }

  /** Reads the dialler's answer from `data` (which starts with it). */
  receive(data: Buffer): AcceptorVerdict {
    if (data.length < 1) return { kind: "incomplete" };
    if (data[0] === 0) {
      return { kind: "done", consumed: 1, user: null, failure: noCredentials, proof: empty };
    }
    if (data[0] !== 1) return { kind: "malformed", reason: `unknown answer ${data[0]}` };
    if (data.length < 2) return { kind: "incomplete" };
    const userLength = data[1];
    if (userLength === 0) return { kind: "malformed", reason: "empty user name" };
    const total = 2 + userLength + nonceBytes + proofBytes;
    if (data.length < total) return { kind: "incomplete" };
    const user = data.subarray(2, 2 + userLength);
    const nonceD = data.subarray(2 + userLength, 2 + userLength + nonceBytes);
    const given = data.subarray(total - proofBytes, total);
    const name = user.toString("utf8");
    const password = this.users.get(name);
    // An unknown user is checked against a random key: the same work, the same answer.
    const key = password === undefined ? randomBytes(32) : Buffer.from(password, "utf8");
    const expected = proof(key, "learner", this.binding, this.nonceA, nonceD, user);
    const ok = password !== undefined && equalProofs(given, expected);
    return {
      kind: "done",
      consumed: total,
      user: ok ? name : null,
      // Printable only, so a dialler cannot forge log lines through its user name.
      failure: ok ? null : `authentication failed for user ${name.replace(/[^\x20-\x7e]/g, "?")}`,
      // Sent even after a failure that serverRequireSasl=false admits: the dialler, if it
      // authenticated, finds that it does not check out and drops the link itself.
      proof: proof(key, "server", this.binding, this.nonceA, nonceD, user),
    };
  }
}

const empty = Buffer.alloc(0);

/** The dialler's side: answers a challenge and checks the acceptor's proof. */
export class DiallerAuth {
  private nonceD: Buffer | null = null;
  private user: Buffer | null = null;
  private nonceA: Buffer | null = null;

  constructor(
    /** Null when this member does not authenticate (learnerRequireSasl=false). */
    private readonly credentials: { readonly username: string; readonly password: string } | null,
    private readonly binding: AuthBinding,
  ) {
    if (credentials !== null) {
      const length = Buffer.byteLength(credentials.username, "utf8");
      if (length < 1 || length > userBytesMax) {
        throw new RangeError(`quorum learner user name must be 1..${userBytesMax} bytes`);
      }
    }
  }

  /** True when this side sent credentials and so waits for the acceptor's proof. */
  get authenticating(): boolean {
    return this.nonceD !== null;
  }

  /** The answer to a challenge carrying `nonceA`. */
  answer(nonceA: Buffer): Buffer {
    const c = this.credentials;
    if (c === null) return Buffer.of(0);
    this.nonceA = Buffer.from(nonceA);
    this.nonceD = randomBytes(nonceBytes);
    this.user = Buffer.from(c.username, "utf8");
    const p = this.proofAs("learner");
    return Buffer.concat([Buffer.of(1, this.user.length), this.user, this.nonceD, p]);
  }

  /** Whether the acceptor's proofA shows that it knows the password. */
  acceptorProved(given: Uint8Array): boolean {
    return this.nonceD !== null && equalProofs(given, this.proofAs("server"));
  }

  /** Our proof, or the one we expect, once answer() has run. */
  private proofAs(role: "learner" | "server"): Buffer {
    const password = Buffer.from(this.credentials!.password, "utf8");
    return proof(password, role, this.binding, this.nonceA!, this.nonceD!, this.user!);
  }
}

/** The quorum.auth settings a transport needs, checked once when it is built. */
export interface PeerAuthSettings {
  /** Acceptor: challenge diallers (quorum.auth.enableSasl). */
  readonly challenge: boolean;
  /** Acceptor: refuse diallers that did not authenticate (serverRequireSasl). */
  readonly requireDiallers: boolean;
  /** Dialler: authenticate and require the acceptor's proof (learnerRequireSasl). */
  readonly authenticate: boolean;
  readonly users: ReadonlyMap<string, string>;
  readonly credentials: { readonly username: string; readonly password: string } | null;
}

/** The settings for a transport, or null when quorum SASL is off. Throws when incomplete. */
export function peerAuthSettings(auth: QuorumAuthConfig): PeerAuthSettings | null {
  if (!auth.enableSasl) return null;
  if (auth.learnerRequireSasl && auth.learnerCredentials === null) {
    throw new Error(
      `quorum.auth.learnerRequireSasl needs the JAAS section ${auth.learnerLoginContext} with username and password`,
    );
  }
  // Checked here, at start, because the dialler's hello carries the name in one length byte:
  // found only at the first challenge, it would throw inside a socket callback.
  const name = auth.learnerRequireSasl ? auth.learnerCredentials?.username : undefined;
  if (name !== undefined) {
    const bytes = Buffer.byteLength(name, "utf8");
    if (bytes < 1 || bytes > userBytesMax) {
      throw new Error(
        `the JAAS section ${auth.learnerLoginContext}'s username must be 1..${userBytesMax} bytes of UTF-8, not ${bytes}`,
      );
    }
  }
  if (auth.serverUsers === null || auth.serverUsers.size === 0) {
    throw new Error(
      `quorum.auth.enableSasl needs the JAAS section ${auth.serverLoginContext} with user_<name> entries`,
    );
  }
  return {
    challenge: true,
    requireDiallers: auth.serverRequireSasl,
    authenticate: auth.learnerRequireSasl,
    users: auth.serverUsers,
    credentials: auth.learnerRequireSasl ? auth.learnerCredentials : null,
  };
}
