// The session's auth credentials (addAuth and ClientOptions.auth, zookeeper-protocol.md §13).
// A server keeps a credential for the connection only, so the client keeps every one for the
// session and sends them all again right after each handshake, as Java does. A refused one is
// forgotten, so that the next connection does not fail the same way. Auth replies (xid -4)
// carry nothing but an error code and come in the order the credentials were sent, so the
// credentials sent on the current connection and not yet answered wait in a FIFO for them.

import { Buffer } from "node:buffer";
import { AuthFailedError } from "./errors.js";
import { Fifo } from "./request.js";

export interface Credential {
  scheme: string;
  auth: Uint8Array;
  /** The addAuth call waiting for the server's verdict, if any. */
  waiter: { resolve: () => void; reject: (e: unknown) => void } | null;
}

export class Credentials {
  /** Every credential of the session, in the order added: what each handshake sends. */
  readonly all: Credential[] = [];
  private readonly unanswered = new Fifo<Credential>();

  add(scheme: string, auth: string | Uint8Array, waiter: Credential["waiter"]): Credential {
    const credential: Credential = { scheme, auth: toAuthBytes(auth), waiter };
    this.all.push(credential);
    return credential;
  }

  /** `credential` went out on the current connection; it is answered after those before it. */
  sent(credential: Credential): void {
    this.unanswered.push(credential);
  }

  /**
   * Takes the server's verdict (an auth reply's error code) on the oldest unanswered
   * credential and settles its waiter; false when refused, and the credential is forgotten.
   */
  answer(err: number): boolean {
    const credential = this.unanswered.shift();
    if (err === 0) {
      if (credential?.waiter) {
        credential.waiter.resolve();
        credential.waiter = null;
      }
      return true;
    }
    if (credential !== undefined) {
      const i = this.all.indexOf(credential);
      if (i >= 0) this.all.splice(i, 1);
      credential.waiter?.reject(
        new AuthFailedError(undefined, `auth scheme ${credential.scheme} refused`),
      );
      credential.waiter = null;
    }
    return false;
  }

  /** The connection is gone: what it left unanswered is sent again, waiters still waiting. */
  connectionLost(): void {
    this.unanswered.drain();
  }

  /** The client is closed: every waiter fails with `error` and nothing is sent again. */
  close(error: unknown): void {
    for (const credential of this.all) credential.waiter?.reject(error);
    this.all.length = 0;
    this.unanswered.drain();
  }
}

function toAuthBytes(auth: string | Uint8Array): Uint8Array {
  return typeof auth === "string" ? Buffer.from(auth, "utf8") : auth;
}
