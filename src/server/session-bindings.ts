// Which connection each live session is bound to on this member. A session is bound to at
// most one connection: a resume on a new connection replaces the old binding (and the
// member closes the old connection), so a connection may find its session already taken
// over when it goes away, and must then leave the new binding alone.
import type { ClientState } from "./client-state.js";

export class SessionBindings {
  private readonly bySession = new Map<number, ClientState>();

  /** Binds `client` to its session; returns the connection it replaces, if another. */
  bind(sessionId: number, client: ClientState): ClientState | undefined {
    const previous = this.bySession.get(sessionId);
    this.bySession.set(sessionId, client);
    return previous !== client ? previous : undefined;
  }

  /** Drops the binding of `client`'s session, if it is still `client`'s. */
  unbind(client: ClientState): void {
    const id = client.sessionId;
    if (id !== 0 && this.bySession.get(id) === client) this.bySession.delete(id);
  }

  /** Ends the session's binding and returns the connection it had, if any. */
  take(sessionId: number): ClientState | undefined {
    const client = this.bySession.get(sessionId);
    if (client !== undefined) this.bySession.delete(sessionId);
    return client;
  }
}
