// Cluster configurations: their wire encoding inside confChange entries, the single-member
// change rule, and the history of configurations along the log.
//
// Membership changes one voter at a time (Ongaro's thesis, section 4.1): any majority of
// the old voters and any majority of the new ones share a member, so no two leaders can be
// elected in one term across the change. A configuration takes effect on every member as
// soon as its entry is in that member's log, committed or not; if the entry is truncated
// away, the member falls back to the configuration before it. ConfHistory keeps exactly the
// information needed for that fallback.
//
// Encoding of a ConfState (all integers unsigned 32-bit big-endian):
//   u32 voterCount, voterCount x u32 id, u32 learnerCount, learnerCount x u32 id
import { assert } from "../base/assert.js";
import type { ConfState, NodeId } from "./types.js";

export const emptyConf: ConfState = Object.freeze({ voters: [], learners: [] });

export function makeConf(voters: readonly NodeId[], learners: readonly NodeId[] = []): ConfState {
  const v = [...new Set(voters)].sort((a, b) => a - b);
  const l = [...new Set(learners)].filter((id) => !v.includes(id)).sort((a, b) => a - b);
  for (const id of [...v, ...l]) {
    if (!Number.isSafeInteger(id) || id < 1 || id > 0xffffffff) {
      throw new RangeError(`raft: member id must be in [1, 2^32), got ${id}`);
    }
  }
  return { voters: v, learners: l };
}

export function isVoter(conf: ConfState, id: NodeId): boolean {
  return conf.voters.includes(id);
}

export function isLearner(conf: ConfState, id: NodeId): boolean {
  return conf.learners.includes(id);
}

export function confMembers(conf: ConfState): NodeId[] {
  return [...conf.voters, ...conf.learners];
}

export function confEquals(a: ConfState, b: ConfState): boolean {
  return (
    a.voters.length === b.voters.length &&
    a.learners.length === b.learners.length &&
    a.voters.every((id, i) => b.voters[i] === id) &&
    a.learners.every((id, i) => b.learners[i] === id)
  );
}

export function confToString(conf: ConfState): string {
  const l = conf.learners.length > 0 ? ` learners ${conf.learners.join(",")}` : "";
  return `voters ${conf.voters.join(",")}${l}`;
}

export function encodeConfState(conf: ConfState): Uint8Array {
  const out = new Uint8Array(8 + 4 * (conf.voters.length + conf.learners.length));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const list of [conf.voters, conf.learners]) {
    view.setUint32(at, list.length);
    at += 4;
    for (const id of list) {
      view.setUint32(at, id);
      at += 4;
    }
  }
  return out;
}

/** Decodes a confChange payload. These come only from our own log, so damage is a bug. */
export function decodeConfState(bytes: Uint8Array): ConfState {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const lists: NodeId[][] = [];
  for (let k = 0; k < 2; k++) {
    assert(at + 4 <= bytes.length, "conf state: truncated count");
    const n = view.getUint32(at);
    at += 4;
    assert(at + 4 * n <= bytes.length, "conf state: truncated ids");
    const ids: NodeId[] = [];
    for (let i = 0; i < n; i++, at += 4) ids.push(view.getUint32(at));
    lists.push(ids);
  }
  assert(at === bytes.length, "conf state: trailing bytes");
  return { voters: lists[0], learners: lists[1] };
}

/** The changes a caller may ask for. Each moves at most one voter. */
export type ConfChange =
  | { readonly op: "add-voter"; readonly id: NodeId }
  | { readonly op: "add-learner"; readonly id: NodeId }
  | { readonly op: "remove"; readonly id: NodeId };

/**
 * Applies one change to a configuration, or returns a reason it is refused. Promoting a
 * learner is "add-voter" of a learner; demoting a voter is "add-learner" of a voter.
 */
export function applyConfChange(conf: ConfState, change: ConfChange): ConfState | string {
  const { id } = change;
  if (!Number.isSafeInteger(id) || id < 1 || id > 0xffffffff) return `bad member id ${id}`;
  const voters = conf.voters.filter((v) => v !== id);
  const learners = conf.learners.filter((l) => l !== id);
  switch (change.op) {
    case "add-voter":
      if (isVoter(conf, id)) return `${id} is already a voter`;
      voters.push(id);
      break;
    case "add-learner":
      if (isLearner(conf, id)) return `${id} is already a learner`;
      learners.push(id);
      break;
    case "remove":
      if (!isVoter(conf, id) && !isLearner(conf, id)) return `${id} is not a member`;
      break;
  }
  if (voters.length === 0) return "a configuration needs at least one voter";
  return makeConf(voters, learners);
}

/** How many voters differ between two configurations (added plus removed). */
export function voterDistance(a: ConfState, b: ConfState): number {
  let d = 0;
  for (const id of a.voters) if (!b.voters.includes(id)) d++;
  for (const id of b.voters) if (!a.voters.includes(id)) d++;
  return d;
}

interface ConfPoint {
  readonly index: number;
  readonly conf: ConfState;
}

/**
 * The configurations along one member's log: the one in force at the base (the snapshot or
 * compaction point) and one per confChange entry after it. The newest is the one in force.
 */
export class ConfHistory {
  private base: ConfPoint;
  private readonly points: ConfPoint[] = [];

  constructor(index: number, conf: ConfState) {
    this.base = { index, conf };
  }

  /** The configuration in force: the newest one in the log. */
  get current(): ConfState {
    return this.points.length > 0 ? this.points[this.points.length - 1].conf : this.base.conf;
  }

  /** Index of the newest confChange entry (or of the base). */
  get currentIndex(): number {
    return this.points.length > 0 ? this.points[this.points.length - 1].index : this.base.index;
  }

  /** The configuration in force right after the entry at `index`. */
  at(index: number): ConfState {
    assert(index >= this.base.index, `conf history: ${index} is before base ${this.base.index}`);
    let conf = this.base.conf;
    for (const p of this.points) {
      if (p.index > index) break;
      conf = p.conf;
    }
    return conf;
  }

  appended(index: number, conf: ConfState): void {
    assert(index > this.currentIndex, "conf history: entries out of order");
    this.points.push({ index, conf });
  }

  /** Entries from `index` on were removed from the log. */
  truncatedFrom(index: number): void {
    assert(index > this.base.index, "conf history: truncating below the base");
    while (this.points.length > 0 && this.points[this.points.length - 1].index >= index) {
      this.points.pop();
    }
  }

  /** The log now starts after `index` (compaction): fold older points into the base. */
  compactedTo(index: number): void {
    const conf = this.at(index);
    while (this.points.length > 0 && this.points[0].index <= index) this.points.shift();
    this.base = { index, conf };
  }

  /** The log was replaced by a snapshot. */
  reset(index: number, conf: ConfState): void {
    this.points.length = 0;
    this.base = { index, conf };
  }
}
