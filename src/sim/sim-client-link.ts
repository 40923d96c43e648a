// A simulated TCP connection between one simulated client and one member incarnation. It is
// the member's ClientConnection, and it carries whole frames both ways with a seeded latency,
// in order per direction (each delivery is scheduled no earlier than the previous one), as a
// TCP stream does.
//
// Who owns what decides what a crash does: frames travelling to the member are events of the
// member's incarnation, so they vanish with it; frames travelling to the client are on the
// wire and arrive anyway, followed by the news that the connection is gone. A close by either
// side reaches the other after the data sent before it, like a FIN.
import type { ClientConnection, ClientConnectionHandler } from "../base/client-connection.js";
import type { Owner, Timeline } from "./timeline.js";

/** How the connection ended, as the client learns it. */
export interface LinkEnd {
  /** True: the member closed it; false: the member's process died (or the client closed). */
  byMember: boolean;
  reason: string;
  /** The member was read-only when it closed the connection. */
  memberReadOnly: boolean;
}

/** The client end of a link. */
export interface LinkClient {
  receive(link: SimClientLink, body: Uint8Array): void;
  ended(link: SimClientLink, end: LinkEnd): void;
}

export interface LinkOptions {
  id: number;
  timeline: Timeline;
  /** The incarnation's owner: frames towards the member die with it. */
  memberOwner: Owner;
  /** The harness's owner: frames towards the client survive a member crash. */
  wireOwner: Owner;
  member: ClientConnectionHandler;
  memberReadOnly: () => boolean;
  client: LinkClient;
  clientNumber: number;
  /** Draws one delivery latency in milliseconds. */
  latencyMs: () => number;
}

export class SimClientLink implements ClientConnection {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The member's view: set when the member closes, or when the client's close arrives. */
  closed = false;
  /** The client's view: set when the client closes, or when the member's close arrives. */
  clientClosed = false;
  private disconnectNotified = false;
  private toClientAtMs = 0;
  private toMemberAtMs = 0;

  constructor(private readonly options: LinkOptions) {
    this.id = options.id;
    this.remoteAddress = `10.0.0.${options.clientNumber}`;
    this.remotePort = 40000 + options.id;
  }

  /** The member's incarnation this link belongs to. */
  get memberOwner(): Owner {
    return this.options.memberOwner;
  }

  // ---- the member's side (ClientConnection) ----------------------------------------

  send(frame: Uint8Array): void {
    if (this.closed) return;
    const length = new DataView(frame.buffer, frame.byteOffset, 4).getInt32(0);
    if (length !== frame.length - 4)
      throw new Error(`frame length ${length} != ${frame.length - 4}`);
    const body = copyBody(frame);
    this.toClient(() => {
      if (!this.clientClosed) this.options.client.receive(this, body);
    });
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    const end = { byMember: true, reason, memberReadOnly: this.options.memberReadOnly() };
    this.toClient(() => this.endForClient(end));
    // The carrier tells the member once the socket is gone, never inside close().
    this.options.timeline.at(0, this.options.memberOwner, () => this.notifyDisconnected());
  }

  // ---- the client's side --------------------------------------------------------------

  /** The client writes one whole frame (length prefix included). */
  clientSend(frame: Uint8Array): void {
    if (this.clientClosed) return;
    const body = copyBody(frame);
    this.toMember(() => {
      if (!this.closed) this.options.member.frame(this, body);
    });
  }

  /** The client drops the connection. */
  clientClose(): void {
    if (this.clientClosed) return;
    this.clientClosed = true;
    this.toMember(() => {
      this.closed = true;
      this.notifyDisconnected();
    });
  }

  /** The member's process died: the client learns it after what is already on the wire. */
  memberDied(): void {
    this.toClient(() =>
      this.endForClient({ byMember: false, reason: "member crashed", memberReadOnly: false }),
    );
  }

  private endForClient(end: LinkEnd): void {
    if (this.clientClosed) return;
    this.clientClosed = true;
    this.options.client.ended(this, end);
  }

  private notifyDisconnected(): void {
    if (this.disconnectNotified) return;
    this.disconnectNotified = true;
    this.options.member.disconnected(this);
  }

  private toClient(run: () => void): void {
    const o = this.options;
    this.toClientAtMs = Math.max(o.timeline.nowMs + o.latencyMs(), this.toClientAtMs);
    o.timeline.at(this.toClientAtMs - o.timeline.nowMs, o.wireOwner, run);
  }

  private toMember(run: () => void): void {
    const o = this.options;
    this.toMemberAtMs = Math.max(o.timeline.nowMs + o.latencyMs(), this.toMemberAtMs);
    o.timeline.at(this.toMemberAtMs - o.timeline.nowMs, o.memberOwner, run);
  }
}

/**
 * The body of a frame, copied as a socket write would: frames are views of their encoder's
 * buffer (a Buffer, whose own slice() would not copy).
 */
function copyBody(frame: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(frame, 4);
}
