// The servers a client may connect to, and which one to try next: the Java client's
// StaticHostProvider, including its 3.5+ rule for a list that changes under a live session
// (ZooKeeper.updateServerList, ZOOKEEPER-1355).
//
// Normally the client goes round the (shuffled) list. When the list is replaced, the client
// moves only if that keeps the load even across the new list, on average over many clients:
//
// - its server is not in the new list: it must move. If the list grew, it goes to one of the
//   servers the old list did not have. If the list did not grow, it goes to a newcomer with
//   probability 1 - pOld and to one of the servers both lists share with probability
//       pOld = shared * (before - after) / (after * (before - shared))
//   (before, after: the sizes of the old and the new list; shared: how many of the new list
//   were in the old one), which gives each server of the new list the same expected load;
// - its server is in the new list and the list grew: it moves, to a newcomer, with
//   probability 1 - before/after (the share of the load the newcomers should take);
// - its server is in the new list and the list did not grow: it stays.
//
// A move tries the chosen group first and then the other, each in its shuffled order, and
// falls back to the plain round once every server of the new list was tried. Randomness comes
// from the caller, so a seeded source makes every decision reproducible. Where Java compares
// resolved addresses, hosts here are equal when their names (case-insensitively) and ports
// are; a connect string and /zookeeper/config should therefore name a server the same way.

import { type HostAddress, shuffleHosts } from "./connect-string.js";

export function sameHost(a: HostAddress, b: HostAddress): boolean {
  return a.port === b.port && a.host.toLowerCase() === b.host.toLowerCase();
}

function indexOfHost(list: readonly HostAddress[], host: HostAddress): number {
  for (let i = 0; i < list.length; i++) if (sameHost(list[i], host)) return i;
  return -1;
}

/** The servers of a move (after a list update that asks the client to change servers). */
interface Move {
  /** Servers of the new list the old list did not have, in shuffled order. */
  readonly newcomers: HostAddress[];
  /** Servers of the new list the old list had too, in shuffled order. */
  readonly shared: HostAddress[];
  /** Probability of trying a newcomer rather than a shared server at each attempt. */
  readonly newcomerProbability: number;
  newcomersTried: number;
  sharedTried: number;
}

export class HostList {
  private list: HostAddress[];
  /** Index in `list` of the host handed out last; -1 before the first. */
  private index = -1;
  /** Index in `list` of the host of the last established connection; -1 if none. */
  private connectedIndex = -1;
  private move: Move | null = null;

  /**
   * @param random a float in [0, 1); used for shuffling and for the decisions of a move.
   * @param shuffle false keeps the given order (for the initial list and every update).
   */
  constructor(
    hosts: readonly HostAddress[],
    private readonly random: () => number,
    private readonly shuffle = true,
  ) {
    if (hosts.length === 0) throw new RangeError("a host list may not be empty");
    this.list = this.ordered(hosts);
  }

  get hosts(): readonly HostAddress[] {
    return this.list;
  }

  get size(): number {
    return this.list.length;
  }

  /** True while the client is moving to a server of a new list and has not connected yet. */
  get moving(): boolean {
    return this.move !== null;
  }

  /** The server to try next. */
  next(): HostAddress {
    if (this.move !== null) {
      const host = this.nextOfMove(this.move);
      if (host !== null) {
        this.index = indexOfHost(this.list, host);
        return host;
      }
      // Every server of the new list was tried: go round as usual.
      this.move = null;
    }
    this.index = (this.index + 1) % this.list.length;
    return this.list[this.index];
  }

  /** The server handed out last has accepted the session. */
  connected(): void {
    this.connectedIndex = this.index;
    this.move = null;
  }

  /**
   * Replaces the list. `current` is the server the client is connected to, if any; without
   * one, the server of the last connection (or the first of the list) stands for it.
   * Returns true when the client should leave its server for the new list's `next()`.
   */
  update(hosts: readonly HostAddress[], current: HostAddress | undefined): boolean {
    if (hosts.length === 0) throw new RangeError("a host list may not be empty");
    const next = this.ordered(hosts);
    const mine = current ?? this.list[Math.max(this.connectedIndex, 0)];
    const mineStays = indexOfHost(next, mine) >= 0;
    const newcomers: HostAddress[] = [];
    const shared: HostAddress[] = [];
    for (const h of next) (indexOfHost(this.list, h) >= 0 ? shared : newcomers).push(h);
    const before = this.list.length;
    const after = next.length;
    let newcomerProbability = -1;
    if (after > before) {
      if (!mineStays || this.random() < 1 - before / after) newcomerProbability = 1;
    } else if (!mineStays) {
      const denominator = after * (before - shared.length);
      const sharedProbability =
        denominator === 0 ? 0 : (shared.length * (before - after)) / denominator;
      newcomerProbability = 1 - sharedProbability;
    }
    const previous = this.index >= 0 ? this.list[this.index] : undefined;
    this.list = next;
    if (newcomerProbability < 0) {
      // Staying: keep the place in the round, so the next failure moves on from this server.
      this.move = null;
      this.index = previous === undefined ? -1 : indexOfHost(next, previous);
      this.connectedIndex = this.index;
      return false;
    }
    this.move = { newcomers, shared, newcomerProbability, newcomersTried: 0, sharedTried: 0 };
    this.index = -1;
    this.connectedIndex = -1;
    return true;
  }

  private nextOfMove(move: Move): HostAddress | null {
    const newcomerLeft = move.newcomersTried < move.newcomers.length;
    const sharedLeft = move.sharedTried < move.shared.length;
    const takeNewcomer = this.random() < move.newcomerProbability;
    if (newcomerLeft && (takeNewcomer || !sharedLeft)) return move.newcomers[move.newcomersTried++];
    if (sharedLeft) return move.shared[move.sharedTried++];
    return null;
  }

  private ordered(hosts: readonly HostAddress[]): HostAddress[] {
    return this.shuffle ? shuffleHosts(hosts, this.random) : hosts.slice();
  }
}
