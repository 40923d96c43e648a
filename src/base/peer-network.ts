// How a member reaches the other members of its ensemble, whatever carries the bytes: TCP
// in production (src/io/peer-transport.ts), the simulated network in the simulator. The
// carrier owns framing, the handshake that proves who is on the other end (ensemble id and
// member id), reconnecting and batching; the member only sends and receives whole message
// bodies, encoded by server/peer-codec.ts.
//
// Delivery is best effort, like the network Raft is designed for: a message may be lost
// (peer down, link cut, queue full), but messages to one peer that do arrive arrive in the
// order they were sent, exactly once, unaltered. Raft and the member's own protocols
// (forwarding, session touches) tolerate loss; they never rely on a message getting through,
// but a member that forwarded its clients' writes must learn that they were lost: from
// linkChanged(down) when a link breaks, or from send() when the message is dropped at once.

export interface PeerNetwork {
  /** This member's id (server.N). */
  readonly self: number;
  /**
   * Queues one message body for member `to`. The bytes are copied before send() returns, so
   * the caller may reuse its buffer at once. Returns false when the message is dropped at
   * once: `to` is unreachable, or its outgoing queue is over its bound while the link stays
   * up (the carrier logs the drop rate, not each drop). True means queued; a link that goes
   * down later may still lose it, and linkChanged says so.
   */
  send(to: number, body: Uint8Array): boolean;
  /** Starts accepting and dialling; messages go to `handler` from then on. */
  start(handler: PeerHandler): void;
  /** Closes every link and stops reconnecting. */
  stop(): void;
  /**
   * Learns (or relearns) where member `id` listens, so that a member added by a
   * reconfiguration can be reached and accepted. Optional: a carrier without it keeps the
   * membership it was built with.
   */
  setPeer?(id: number, host: string, port: number): void;
}

export interface PeerHandler {
  /**
   * A whole message body from member `from`, whose identity the handshake checked. The
   * body is a view into the carrier's receive buffer, valid only during this call.
   */
  message(from: number, body: Uint8Array): void;
  /** The link towards `peer` is up (handshake done) or down. For status and logs only. */
  linkChanged?(peer: number, up: boolean): void;
}
