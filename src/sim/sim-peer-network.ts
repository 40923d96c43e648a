// The PeerNetwork of the ensemble simulator: the members' links on the simulated time line,
// kept to the contract of base/peer-network.ts (best effort; per-link FIFO, exactly once,
// unaltered; loss when a link breaks or a queue overflows).
//
// Each directed pair (from, to) is one link, like the outbound connection a member's
// transport dials to each peer. A link is up while both ends run and no partition cuts that
// direction; it comes up a seeded reconnect delay after that becomes true (the dial and the
// handshake), and goes down at once when it stops being true. Going down drops everything
// in flight on it (a broken TCP connection loses its buffers); the sending member hears
// linkChanged(to, false), and linkChanged(to, true) when its link is up again. A partition
// may cut one direction only: then only that link is down and the other keeps carrying.
//
// Delivery times: each message draws its delay from its link's seeded base latency plus
// jitter, and is never delivered before the message sent ahead of it on the same link, so
// a link is FIFO. Reordering therefore happens only *between* links (a slow link and a fast
// one), never inside one, and nothing is ever duplicated: a TCP stream neither reorders
// nor duplicates, and a reconnect starts a new stream (a transport that resent its unacked
// tail after a reconnect would duplicate; that is planted bug `resend-after-reconnect`,
// which resends the last eight messages of the broken connection).
// Loss models a full outgoing queue, and a queue overflow resets the link: the message is
// dropped together with everything in flight, and the sender hears linkChanged(down) and
// later (up). Dropping one message silently on a link that stays up is allowed by the
// contract, but the member treats only a broken link as "what I forwarded may be lost", so
// a silently dropped forward would leave its write waiting until the leader changes (found
// by this simulator; see docs/architecture.md, "Simulation").
//
// Events: a message in flight is owned by the receiving incarnation (it dies with it); link
// state changes are harness events, and the notification to the member is owned by it.
import type { PeerHandler, PeerNetwork } from "../base/peer-network.js";
import type { Prng } from "./prng.js";
import type { Owner, Timeline } from "./timeline.js";

export interface SimPeerNetworkOptions {
  timeline: Timeline;
  random: Prng;
  /** The harness's owner, for link state changes. */
  wire: Owner;
  members: readonly number[];
  /** Per-link base latency in ms, drawn once per link; jitter is added per message. */
  latencyMsMax: number;
  jitterMsMax: number;
  /** Longest delay before a link whose ends can talk again is up (dial + handshake). */
  reconnectMsMax: number;
  /** Messages dropped as if an outgoing queue were full, in thousandths. */
  lossPerMille: number;
  /** Test-only: a hook that sees every message sent (planted bugs). */
  tap?: (from: number, to: number, body: Uint8Array, network: SimPeerNetwork) => void;
  /** Test-only: planted bug `resend-after-reconnect`. */
  resendAfterReconnect?: boolean;
}

interface Endpoint {
  readonly owner: Owner;
  handler: PeerHandler | null;
}

class Link {
  up = false;
  /** Bumped when the link goes down or up: older deliveries are dropped. */
  generation = 0;
  dialing = false;
  /** When the last message sent on it is delivered (FIFO). */
  lastAtMs = 0;
  baseLatencyMs = 0;
  /** The last messages sent (kept only for planted bug `resend-after-reconnect`). */
  readonly tail: Uint8Array[] = [];
}

export class SimPeerNetwork {
  /** Messages delivered, dropped in flight (link broke, receiver died), dropped on send. */
  delivered = 0;
  droppedInFlight = 0;
  droppedOnSend = 0;
  /** Links reset because a message was dropped on them. */
  resets = 0;
  /** Messages dropped (and links reset) per thousand sent; the harness sets 0 to heal. */
  lossPerMille: number;
  private readonly endpoints = new Map<number, Endpoint>();
  private readonly links = new Map<string, Link>();
  private readonly cuts = new Set<string>();

  constructor(private readonly options: SimPeerNetworkOptions) {
    this.lossPerMille = options.lossPerMille;
    for (const a of options.members) {
      for (const b of options.members) {
        if (a === b) continue;
        const link = new Link();
        link.baseLatencyMs = options.random.below(options.latencyMsMax + 1);
        this.links.set(key(a, b), link);
      }
    }
  }

  /** The PeerNetwork of one incarnation of member `self`, owned by `owner`. */
  attach(self: number, owner: Owner): PeerNetwork {
    const endpoint: Endpoint = { owner, handler: null };
    this.endpoints.set(self, endpoint);
    return {
      self,
      send: (to, body) =>
        this.endpoints.get(self) === endpoint &&
        endpoint.handler !== null &&
        this.send(self, to, body),
      start: (handler) => {
        if (this.endpoints.get(self) !== endpoint) return;
        endpoint.handler = handler;
        this.refresh();
      },
      stop: () => {
        if (this.endpoints.get(self) !== endpoint) return;
        endpoint.handler = null;
        this.refresh();
      },
    };
  }

  /** The member's process died: its links go down and nothing more reaches it. */
  crashed(self: number): void {
    this.endpoints.delete(self);
    this.refresh();
  }

  /** Cuts the direction from -> to (and to -> from unless `oneWay`). */
  cut(from: number, to: number, oneWay: boolean): void {
    this.cuts.add(key(from, to));
    if (!oneWay) this.cuts.add(key(to, from));
    this.refresh();
  }

  healAll(): void {
    this.cuts.clear();
    this.refresh();
  }

  get cutCount(): number {
    return this.cuts.size;
  }

  /** Gives the link from -> to a new base latency (a slow or a fast path). */
  setLatency(from: number, to: number, baseLatencyMs: number): void {
    this.links.get(key(from, to))!.baseLatencyMs = baseLatencyMs;
  }

  isUp(from: number, to: number): boolean {
    return this.links.get(key(from, to))?.up === true;
  }

  /**
   * Delivers `body` to `to` as if `from` had sent it, after `delayMs`, outside any link (used
   * only by planted bugs to fabricate messages).
   */
  inject(from: number, to: number, body: Uint8Array, delayMs: number): void {
    const endpoint = this.endpoints.get(to);
    if (endpoint === undefined) return;
    const copy = Uint8Array.prototype.slice.call(body);
    this.options.timeline.at(delayMs, endpoint.owner, () => endpoint.handler?.message(from, copy));
  }

  private wanted(from: number, to: number): boolean {
    return (
      this.endpoints.get(from)?.handler != null &&
      this.endpoints.get(to)?.handler != null &&
      !this.cuts.has(key(from, to))
    );
  }

  /** Brings every link's state in line with the ends and the cuts. */
  private refresh(): void {
    const o = this.options;
    for (const from of o.members) {
      for (const to of o.members) {
        if (from === to) continue;
        const link = this.links.get(key(from, to))!;
        const wanted = this.wanted(from, to);
        if (link.up && !wanted) {
          link.up = false;
          link.generation++;
          this.notify(from, to, false);
        } else if (!link.up && wanted && !link.dialing) {
          link.dialing = true;
          o.timeline.at(1 + o.random.below(o.reconnectMsMax), o.wire, () => {
            link.dialing = false;
            if (link.up || !this.wanted(from, to)) return;
            link.up = true;
            link.generation++;
            link.lastAtMs = o.timeline.nowMs;
            this.notify(from, to, true);
            if (o.resendAfterReconnect) {
              const tail = link.tail.splice(0);
              for (const body of tail) this.send(from, to, body);
            }
          });
        }
      }
    }
  }

  private notify(from: number, to: number, up: boolean): void {
    const endpoint = this.endpoints.get(from);
    if (endpoint === undefined) return;
    this.options.timeline.at(0, endpoint.owner, () => endpoint.handler?.linkChanged?.(to, up));
  }

  private send(from: number, to: number, body: Uint8Array): boolean {
    const o = this.options;
    const link = this.links.get(key(from, to));
    const receiver = this.endpoints.get(to);
    if (link === undefined || !link.up || receiver === undefined) {
      this.droppedOnSend++;
      return false;
    }
    if (this.lossPerMille > 0 && o.random.below(1000) < this.lossPerMille) {
      // The queue overflowed: the message and the connection are lost together (see above).
      this.droppedOnSend++;
      this.resets++;
      link.up = false;
      link.generation++;
      this.notify(from, to, false);
      this.refresh();
      return false;
    }
    const copy = Uint8Array.prototype.slice.call(body);
    if (o.resendAfterReconnect) {
      link.tail.push(copy);
      if (link.tail.length > resendTailMax) link.tail.shift();
    }
    o.tap?.(from, to, copy, this);
    const now = o.timeline.nowMs;
    const at = Math.max(
      now + link.baseLatencyMs + o.random.below(o.jitterMsMax + 1),
      link.lastAtMs,
    );
    link.lastAtMs = at;
    const generation = link.generation;
    o.timeline.at(at - now, receiver.owner, () => {
      if (link.generation !== generation || receiver.handler === null) {
        this.droppedInFlight++;
        return;
      }
      this.delivered++;
      receiver.handler.message(from, copy);
    });
    return true;
  }
}

/** Messages a transport with planted bug `resend-after-reconnect` sends again. */
const resendTailMax = 8;

function key(from: number, to: number): string {
  return `${from}>${to}`;
}
