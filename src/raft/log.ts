// The replicated log as one member holds it in memory: the entries after the compaction
// point, and four watermarks that say how far each has got.
//
//   offset <= applied <= applying <= committed <= lastIndex
//   offset <= stable <= lastIndex
//
// `stable` is how far the log is on stable storage (acknowledged by advance()); only stable
// entries count toward this member's own match as leader, and only stable committed entries
// are handed out to apply, so a member never applies what it might forget in a crash.
// `applying` is how far committed entries have been handed out in a Ready not yet advanced.
// The entries themselves are also in the caller's write-ahead log; this copy is what
// replication reads from, and compaction bounds it.
import { assert } from "../base/assert.js";
import { ConfHistory, decodeConfState } from "./conf-state.js";
import { type ConfState, type Entry, EntryKind, type Snapshot } from "./types.js";

export class RaftLog {
  /** Index of the entry just before entries[0] (the compaction point). */
  offset: number;
  /** Term of the entry at `offset`. */
  offsetTerm: number;
  /** entries[k].index === offset + 1 + k. */
  entries: Entry[] = [];
  committed: number;
  applied: number;
  applying: number;
  stable: number;
  /** Entries up to here were handed out in the Ready being persisted (see advance). */
  persistingTo: number;
  /** The newest snapshot: what is sent to followers whose next entry was compacted. */
  snapshot: Snapshot;
  /** A snapshot received from the leader that the caller has not been handed yet. */
  pendingSnapshot: Snapshot | null = null;
  readonly conf: ConfHistory;

  constructor(snapshot: Snapshot, entries: readonly Entry[], commit: number) {
    const { index, term, conf } = snapshot.meta;
    this.snapshot = snapshot;
    this.offset = index;
    this.offsetTerm = term;
    this.conf = new ConfHistory(index, conf);
    for (const e of entries) {
      if (e.index <= index) continue;
      assert(e.index === this.lastIndex() + 1, `log: restored entries have a gap at ${e.index}`);
      assert(e.term >= this.lastTerm(), `log: restored entry ${e.index} goes back in term`);
      this.pushEntry(e);
    }
    this.stable = this.lastIndex();
    this.persistingTo = this.stable;
    // A member restarts having applied exactly its snapshot (the caller rebuilds its state
    // from it); everything committed after it is handed out again.
    this.committed = Math.min(Math.max(commit, index), this.lastIndex());
    this.applied = index;
    this.applying = index;
  }

  lastIndex(): number {
    return this.offset + this.entries.length;
  }

  lastTerm(): number {
    return this.entries.length > 0 ? this.entries[this.entries.length - 1].term : this.offsetTerm;
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  /** The term of the entry at `index`, or -1 if it was compacted or does not exist yet. */
  term(index: number): number {
    if (index === this.offset) return this.offsetTerm;
    if (index < this.offset || index > this.lastIndex()) return -1;
    return this.entries[index - this.offset - 1].term;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  entry(index: number): Entry {
    assert(index > this.offset && index <= this.lastIndex(), `log: no entry ${index}`);
    return this.entries[index - this.offset - 1];
  }

  /** Entries [lo, hi] capped at `bytesMax` of payload (always at least one entry). */
  slice(lo: number, hi: number, bytesMax = Number.POSITIVE_INFINITY): Entry[] {
    assert(lo > this.offset && hi <= this.lastIndex(), `log: slice [${lo}, ${hi}] out of range`);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i <= hi; i++) {
      const e = this.entries[i - this.offset - 1];
      bytes += e.data.length;
      if (out.length > 0 && bytes > bytesMax) break;
      out.push(e);
    }
    return out;
  }

  /** Raft's election restriction: is a log ending at (index, term) at least as new as ours? */
  isUpToDate(index: number, term: number): boolean {
    const lastTerm = this.lastTerm();
    return term > lastTerm || (term === lastTerm && index >= this.lastIndex());
  }

  /** Appends entries that directly follow the last one (a leader's own proposals). */
  append(entries: readonly Entry[]): void {
    for (const e of entries) {
      assert(e.index === this.lastIndex() + 1, `log: append at ${e.index} leaves a gap`);
      assert(e.term >= this.lastTerm(), `log: append at ${e.index} goes back in term`);
      this.pushEntry(e);
    }
  }

  private pushEntry(e: Entry): void {
    this.entries.push(e);
    if (e.kind === EntryKind.confChange) this.conf.appended(e.index, decodeConfState(e.data));
  }

  /**
   * The first index among `entries` whose term differs from ours (a conflict) or that we do
   * not have yet; 0 if we already hold them all.
   */
  findConflict(entries: readonly Entry[]): number {
    for (const e of entries) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * Writes `entries` over our log from the first conflict on. Entries before the conflict
   * are already identical (same index and term), so they are kept, which keeps a stale
   * or duplicated append from truncating newer entries.
   */
  mergeEntries(entries: readonly Entry[]): void {
    const conflict = this.findConflict(entries);
    if (conflict === 0) return;
    assert(
      conflict > this.committed,
      `log: conflict at ${conflict} below commit ${this.committed}`,
    );
    if (conflict <= this.lastIndex()) this.truncateFrom(conflict);
    const first = entries[0].index;
    for (let k = conflict - first; k < entries.length; k++) this.pushEntry(entries[k]);
  }

  private truncateFrom(index: number): void {
    assert(index > this.offset, `log: truncating compacted index ${index}`);
    this.entries.length = index - this.offset - 1;
    this.conf.truncatedFrom(index);
    if (this.stable >= index) this.stable = index - 1;
    if (this.persistingTo >= index) this.persistingTo = index - 1;
  }

  /**
   * The largest index <= `index` whose term is <= `term`: where a log holding (index, term)
   * can possibly agree with ours. Used for fast backtracking after a rejected append.
   */
  findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    while (i > this.offset) {
      const t = this.term(i);
      if (t <= term) return i;
      i--;
    }
    // Below our snapshot we know no terms: the hint stays where it was. (This returned the
    // offset, which is above `index` when the follower's hint is behind our snapshot; the
    // leader then took that for the follower's match and counted it towards commit.)
    return i;
  }

  commitTo(index: number): boolean {
    if (index <= this.committed) return false;
    assert(index <= this.lastIndex(), `log: commit ${index} beyond last ${this.lastIndex()}`);
    this.committed = index;
    return true;
  }

  /** Committed entries that are on stable storage and not yet handed out. */
  nextCommitted(): Entry[] {
    const hi = Math.min(this.committed, this.stable);
    if (hi <= this.applying) return [];
    return this.slice(this.applying + 1, hi);
  }

  /** The newest configuration in this log. */
  currentConf(): ConfState {
    return this.conf.current;
  }

  /**
   * Replaces the whole log by a snapshot from the leader: our entries do not contain its
   * last entry, so none of them can be trusted to match the leader's log.
   */
  restore(snapshot: Snapshot): void {
    const { index, term, conf } = snapshot.meta;
    assert(index > this.committed, "log: restoring a snapshot we already committed past");
    this.entries = [];
    this.offset = index;
    this.offsetTerm = term;
    this.committed = index;
    // The snapshot reaches stable storage with the next Ready, before anything that
    // depends on it is released, so the log counts as stable up to it from here on.
    this.stable = index;
    this.persistingTo = Math.min(this.persistingTo, index);
    this.snapshot = snapshot;
    this.pendingSnapshot = snapshot;
    this.conf.reset(index, conf);
  }

  /**
   * Records a snapshot the caller took of its state machine at `index` and drops entries
   * that are no longer needed, keeping `retain` entries behind it for lagging followers,
   * and every entry after `pin` (a snapshot still being sent to a follower).
   */
  compact(snapshot: Snapshot, retain: number, pin = Number.POSITIVE_INFINITY): void {
    const index = snapshot.meta.index;
    assert(index <= this.applied, `log: snapshot at ${index} beyond applied ${this.applied}`);
    if (index <= this.snapshot.meta.index) return;
    this.snapshot = snapshot;
    const cut = Math.min(index - retain, this.stable, pin);
    if (cut > this.offset) {
      const term = this.term(cut);
      this.entries = this.entries.slice(cut - this.offset);
      this.offset = cut;
      this.offsetTerm = term;
      this.conf.compactedTo(cut);
    }
  }
}
