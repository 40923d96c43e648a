// The replicated session table: what every member must agree on about a session. Liveness
// (when a session was last heard from) is not here: the leader tracks it and proposes a
// closeSession entry when a session expires. Ephemeral nodes are indexed by the tree.

import { assert } from "../base/assert.js";
import { sessionPasswordBytes } from "../base/limits.js";

export class Session {
  constructor(
    /** The zxid of the createSession entry: unique, below 2^53, never 0. */
    readonly id: number,
    readonly password: Uint8Array,
    readonly timeoutMs: number,
  ) {}
}

export class SessionTable {
  private readonly byId = new Map<number, Session>();

  get size(): number {
    return this.byId.size;
  }

  get(id: number): Session | undefined {
    return this.byId.get(id);
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  add(session: Session): void {
    assert(!this.byId.has(session.id), `session ${session.id} exists`);
    assert(session.password.length === sessionPasswordBytes, "session password length");
    this.byId.set(session.id, session);
  }

  delete(id: number): boolean {
    return this.byId.delete(id);
  }

  /** Sessions in creation order (also the snapshot order). */
  values(): IterableIterator<Session> {
    return this.byId.values();
  }
}
