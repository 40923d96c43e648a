// How a member sees one client connection, whatever carries it: a TCP socket in production
// (src/io/client-listener.ts) or a simulated link in the simulator. Framing (the 4-byte
// length prefix) and four-letter-word detection belong to the carrier; the member only
// receives whole frame bodies and sends whole frames.

export interface ClientConnection {
  /** Unique per member for the life of the process; watches and sessions refer to it. */
  readonly id: number;
  /** Remote IP address as text (for `ip:` ACL ids, logs and four-letter words). */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /**
   * Queues one whole frame (4-byte length prefix included, as the protocol encoders produce
   * it) for sending. The bytes are copied before send() returns, so the caller may reuse
   * its buffer at once.
   */
  send(frame: Uint8Array): void;
  /** Sends what is queued, then closes. `reason` is logged. */
  close(reason: string): void;
  /** True once closed by either side. */
  readonly closed: boolean;
  /**
   * The subject of the client's trusted TLS certificate in RFC 2253 form, as Java's
   * X500Principal.getName() spells it (what the x509 ACL scheme names); null or absent on
   * a plain connection or when the client presented no certificate.
   */
  readonly certificateSubject?: string | null;
}

/** What the carrier calls on the member. */
export interface ClientConnectionHandler {
  /** A new connection was accepted. */
  connected(connection: ClientConnection): void;
  /**
   * One frame body arrived. It is a view into the carrier's receive buffer, valid only
   * during this call: copy what must outlive it.
   */
  frame(connection: ClientConnection, body: Uint8Array): void;
  /** The first four bytes were a four-letter word; the answer is written, then closed. */
  /** `argument`: the bytes that follow the word (stmk's 8-byte trace mask), or null. */
  fourLetterWord(connection: ClientConnection, word: string, argument?: Uint8Array | null): string;
  /** The connection is gone (closed by either side). Called exactly once. */
  disconnected(connection: ClientConnection): void;
}
