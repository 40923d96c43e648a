// What a member serves when it cannot write: it becomes a ZooKeeper read-only server
// (ZooKeeper's ReadOnlyZooKeeperServer), a mode every ZooKeeper client already understands.
// Two causes lead here, and both share these rules and this code:
// - its storage failed: the log cannot make anything durable any more. The member stays
//   read-only, at the state that is on disk, until it is restarted on a healthy disk;
// - with readonlymode.enabled, it has known no leader for a grace period (it is cut off from
//   the quorum, server/partition-read-only.ts): it serves the state it last applied until it
//   knows a leader again, then leaves the mode and closes the read-only connections.
// Nothing may be proposed: writes are answered NotReadOnly, reads run against the member's
// tree as it is, and clients that accept a read-only server get sessions that live only in
// this member's memory ("local sessions") while the mode lasts.
//
// The rules, as ZooKeeper 3.7+ applies them (checked against the 3.8.0 server):
// - A ConnectRequest without the readOnly flag (or with it false) is refused by closing the
//   socket without a ConnectResponse (ZooKeeperServer.processConnectRequest).
// - sessionId 0: a new local session; the reply carries readOnly=true. (ZooKeeper 3.7+ needs
//   localSessionsEnabled=true for this, as its admin guide says; 3.8.0 without it answers
//   the handshake with a bare NotReadOnly reply header no client can parse. Corral behaves
//   as ZooKeeper configured the working way.)
// - Resuming a replicated (global) session is refused the same way, without a reply
//   (ReadOnlyZooKeeperServer.validateSession, ZOOKEEPER-3864): a read-only member cannot keep
//   a replicated session alive, so the client keeps looking for a writable member, and
//   resumes its session there or here after the restart.
// - Resuming a local session with its password rebinds it; an unknown id or a wrong password
//   gets the usual expired reply (timeOut 0), with readOnly=true.
// - The opcodes below are answered NotReadOnly (-119) with the normal reply header (the
//   zxid is the last applied one), and the connection stays open (ReadOnlyRequestProcessor's
//   list, which includes check and deleteContainer even though clients never send them on
//   their own). closeSession of a local session is answered and closes the connection.
import { sessionPasswordBytes } from "../base/limits.js";
import type { Random } from "../base/random.js";
import { OpCode } from "../protocol/constants.js";

/** Opcodes a read-only member refuses with NotReadOnly (ZooKeeper's ReadOnlyRequestProcessor). */
export const readOnlyRefusedOpcodes: ReadonlySet<number> = new Set([
  OpCode.sync,
  OpCode.create,
  OpCode.create2,
  OpCode.createTTL,
  OpCode.createContainer,
  OpCode.delete,
  OpCode.deleteContainer,
  OpCode.setData,
  OpCode.reconfig,
  OpCode.setACL,
  OpCode.multi,
  OpCode.check,
]);

/**
 * Why a member is read-only. A storage failure is for good (until a restart) and outranks a
 * lost quorum; a lost quorum ends when a leader is known again.
 */
export type ReadOnlyCause =
  | { readonly kind: "storage-failed"; readonly error: Error }
  | { readonly kind: "no-leader" };

/**
 * Local session ids lie in [2^52, 2^53): replicated session ids are log indexes, far below
 * 2^52, so the two never collide, and every id stays a safe integer like every other
 * session id inside Corral (docs/architecture.md, "Numbers").
 */
export const localSessionIdMin = 2 ** 52;

export interface LocalSession {
  readonly id: number;
  readonly password: Uint8Array;
}

/** The sessions a read-only member created; never written anywhere, gone at restart. */
export class LocalSessions {
  private readonly sessions = new Map<number, LocalSession>();

  constructor(private readonly random: Random) {}

  get size(): number {
    return this.sessions.size;
  }

  /**
   * A new session with a random id (so an id a client kept from an earlier read-only run
   * of this member is unlikely to be reused) and a random password.
   */
  create(): LocalSession {
    let id: number;
    do {
      // 32 + 20 random bits above 2^52: at most 2^53 - 1.
      id = localSessionIdMin + this.random.uint32() * 2 ** 20 + this.random.below(2 ** 20);
    } while (this.sessions.has(id));
    const session = {
      id,
      password: this.random.fill(new Uint8Array(sessionPasswordBytes)),
    };
    this.sessions.set(id, session);
    return session;
  }

  get(id: number): LocalSession | undefined {
    return this.sessions.get(id);
  }

  has(id: number): boolean {
    return this.sessions.has(id);
  }

  delete(id: number): void {
    this.sessions.delete(id);
  }

  /** Ends every local session (the member leaves read-only mode); returns their ids. */
  clear(): number[] {
    const ids = [...this.sessions.keys()];
    this.sessions.clear();
    return ids;
  }
}
