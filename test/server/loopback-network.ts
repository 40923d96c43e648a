// A PeerNetwork inside one process, for tests that run several real members side by side:
// every body is copied and delivered on a later turn of the event loop, in order per link,
// unless the link is cut (then it is dropped, like a message on a broken TCP connection) or
// jammed (send() drops it at once and says so, like a transport whose queue is full).
import type { PeerHandler, PeerNetwork } from "../../src/base/peer-network.js";

export class LoopbackHub {
  private readonly handlers = new Map<number, PeerHandler>();
  private readonly cutLinks = new Set<string>();
  /** Links whose sender's queue is full: send() drops at once while the link stays up. */
  private readonly full = new Set<string>();

  network(self: number, peers: readonly number[]): PeerNetwork {
    const hub = this;
    let started = false;
    return {
      self,
      send(to: number, body: Uint8Array): boolean {
        if (!started || hub.cutLinks.has(`${self}-${to}`)) return false;
        if (hub.full.has(`${self}-${to}`)) return false;
        const copy = Uint8Array.prototype.slice.call(body);
        setImmediate(() => hub.deliver(self, to, copy));
        return true;
      },
      start(handler: PeerHandler): void {
        started = true;
        hub.handlers.set(self, handler);
        for (const p of peers) {
          if (p === self) continue;
          handler.linkChanged?.(p, true);
          hub.handlers.get(p)?.linkChanged?.(self, true);
        }
      },
      stop(): void {
        started = false;
        hub.handlers.delete(self);
        for (const [id, h] of hub.handlers) if (id !== self) h.linkChanged?.(self, false);
      },
    };
  }

  /** Drops everything between `a` and `b`, both ways, until heal(). */
  cut(a: number, b: number): void {
    this.cutLinks.add(`${a}-${b}`);
    this.cutLinks.add(`${b}-${a}`);
    this.handlers.get(a)?.linkChanged?.(b, false);
    this.handlers.get(b)?.linkChanged?.(a, false);
  }

  /** Makes every send from `from` to `to` drop at once (a full queue) until unjam(). */
  jam(from: number, to: number): void {
    this.full.add(`${from}-${to}`);
  }

  unjam(from: number, to: number): void {
    this.full.delete(`${from}-${to}`);
  }

  heal(): void {
    const pairs = [...this.cutLinks].map((k) => k.split("-").map(Number));
    this.cutLinks.clear();
    for (const [a, b] of pairs) this.handlers.get(a)?.linkChanged?.(b, true);
  }

  private deliver(from: number, to: number, body: Uint8Array): void {
    if (this.cutLinks.has(`${from}-${to}`)) return;
    this.handlers.get(to)?.message(from, body);
  }
}
