// A fault-injecting TCP relay for one directed member-to-member link. Each link A->B of an
// ensemble goes through its own relay: member A's zoo.cfg names relay(A->B)'s port as B's
// address, so everything A sends to B (and B's answers on those connections) passes here,
// and the nemesis can break that one link without touching the processes.
//
// Faults:
// - cut("both"): every open connection is closed and new ones are accepted and reset at
//   once, as if B's host were unreachable;
// - cut("forward") / cut("backward"): connections stay up but the bytes of one direction
//   (forward = from the connecting side to the target) are read and thrown away, as with
//   a one-way packet filter. The connections then carry a broken stream, so heal() closes
//   them and the members reconnect, as TCP connections that died during the partition;
// - delay(ms): every chunk is held for ms before it is passed on, in order;
// - heal(): all of the above undone; delayed chunks still queued are passed on at once.
import { connect, createServer, type Server, type Socket } from "node:net";

export type LinkDirection = "both" | "forward" | "backward";

export interface RelayTarget {
  host: string;
  port: number;
}

export interface RelayStats {
  accepted: number;
  /** Connections reset at once because the link was cut. */
  refused: number;
  bytesForwarded: number;
  bytesDropped: number;
}

/** Past this many bytes held back by a delay, the sending side is paused. */
const delayedBytesMax = 4 * 1024 * 1024;

/** One direction of one connection: reads from `from`, writes to `to`. */
class Pipe {
  private readonly queue: { dueMs: number; chunk: Buffer }[] = [];
  queuedBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Why `from` is paused: the target's socket is full, or too much is held back. */
  private waitingDrain = false;
  private holdingTooMuch = false;
  /** Bytes of this direction were dropped: the stream is broken. */
  tainted = false;

  constructor(
    private readonly relay: FaultRelay,
    private readonly forward: boolean,
    private readonly from: Socket,
    private readonly to: Socket,
  ) {
    from.on("data", (chunk: Buffer) => this.onData(chunk));
  }

  private onData(chunk: Buffer): void {
    if (this.relay.drops(this.forward)) {
      this.relay.stats.bytesDropped += chunk.length;
      this.tainted = true;
      return;
    }
    const delayMs = this.relay.delayMs;
    if (delayMs === 0 && this.queue.length === 0) {
      this.write(chunk);
      return;
    }
    this.queue.push({ dueMs: performance.now() + delayMs, chunk });
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > delayedBytesMax) {
      this.holdingTooMuch = true;
      this.from.pause();
    }
    this.schedule();
  }

  private write(chunk: Buffer): void {
    this.relay.stats.bytesForwarded += chunk.length;
    if (!this.to.write(chunk) && !this.waitingDrain) {
      this.waitingDrain = true;
      this.from.pause();
      this.to.once("drain", () => {
        this.waitingDrain = false;
        this.resumeIfClear();
      });
    }
  }

  private schedule(): void {
    if (this.timer !== null || this.queue.length === 0) return;
    const waitMs = Math.max(0, this.queue[0].dueMs - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush(false);
    }, waitMs);
  }

  /** Passes on every chunk that is due (all of them when `all`). */
  flush(all: boolean): void {
    const now = performance.now();
    let n = 0;
    while (n < this.queue.length && (all || this.queue[n].dueMs <= now)) {
      const { chunk } = this.queue[n++];
      this.queuedBytes -= chunk.length;
      if (!this.to.destroyed) this.write(chunk);
    }
    this.queue.splice(0, n);
    if (this.holdingTooMuch && this.queuedBytes <= delayedBytesMax) {
      this.holdingTooMuch = false;
      this.resumeIfClear();
    }
    this.schedule();
  }

  private resumeIfClear(): void {
    if (!this.waitingDrain && !this.holdingTooMuch) this.from.resume();
  }

  discard(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.queuedBytes = 0;
  }
}

/** A connection through the relay: the accepted socket and the one to the target. */
class Link {
  readonly forward: Pipe;
  readonly backward: Pipe;

  constructor(
    relay: FaultRelay,
    readonly inbound: Socket,
    readonly outbound: Socket,
  ) {
    this.forward = new Pipe(relay, true, inbound, outbound);
    this.backward = new Pipe(relay, false, outbound, inbound);
  }

  destroy(): void {
    this.forward.discard();
    this.backward.discard();
    this.inbound.destroy();
    this.outbound.destroy();
  }
}

export class FaultRelay {
  private server: Server | null = null;
  private readonly links = new Set<Link>();
  private cutForward = false;
  private cutBackward = false;
  delayMs = 0;
  port = 0;
  readonly stats: RelayStats = { accepted: 0, refused: 0, bytesForwarded: 0, bytesDropped: 0 };

  constructor(
    readonly target: RelayTarget,
    /** For logs: which link this relay carries, e.g. "1->2". */
    readonly label = `-> ${target.host}:${target.port}`,
  ) {}

  /** Listens on a free loopback port (or `port`, when a restarted launcher reuses one). */
  async start(port = 0): Promise<this> {
    const server = createServer((socket) => this.onConnection(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("relay has no address");
    this.port = address.port;
    return this;
  }

  /** Whether bytes travelling this way are being thrown away. */
  drops(forward: boolean): boolean {
    return forward ? this.cutForward : this.cutBackward;
  }

  get isCut(): boolean {
    return this.cutForward || this.cutBackward;
  }

  /** Bytes held back by a delay, not yet passed on. */
  get heldBytes(): number {
    let n = 0;
    for (const link of this.links) n += link.forward.queuedBytes + link.backward.queuedBytes;
    return n;
  }

  get openConnections(): number {
    return this.links.size;
  }

  cut(direction: LinkDirection = "both"): void {
    if (direction === "both") {
      this.cutForward = true;
      this.cutBackward = true;
      for (const link of this.links) link.destroy();
      this.links.clear();
    } else if (direction === "forward") {
      this.cutForward = true;
    } else {
      this.cutBackward = true;
    }
  }

  delay(delayMs: number): void {
    if (!(delayMs >= 0)) throw new Error(`bad delay ${delayMs}`);
    this.delayMs = delayMs;
  }

  heal(): void {
    this.cutForward = false;
    this.cutBackward = false;
    this.delayMs = 0;
    for (const link of [...this.links]) {
      if (link.forward.tainted || link.backward.tainted) {
        link.destroy();
        this.links.delete(link);
      } else {
        link.forward.flush(true);
        link.backward.flush(true);
      }
    }
  }

  async stop(): Promise<void> {
    for (const link of this.links) link.destroy();
    this.links.clear();
    const server = this.server;
    this.server = null;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private onConnection(inbound: Socket): void {
    // Only a cut in both directions refuses. With one direction cut a new connection is
    // accepted and gets the same treatment as the open ones: half a connection cannot be
    // refused, and a member reconnecting during an asymmetric fault must still lose the
    // bytes of the cut direction.
    if ((this.cutForward && this.cutBackward) || this.server === null) {
      this.stats.refused++;
      inbound.on("error", () => {});
      inbound.resetAndDestroy();
      return;
    }
    this.stats.accepted++;
    inbound.setNoDelay(true);
    const outbound = connect({ host: this.target.host, port: this.target.port });
    outbound.setNoDelay(true);
    const link = new Link(this, inbound, outbound);
    this.links.add(link);
    const end = (): void => {
      if (this.links.delete(link)) link.destroy();
    };
    inbound.on("error", end);
    outbound.on("error", end);
    inbound.on("close", end);
    outbound.on("close", end);
  }
}
