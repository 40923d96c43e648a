// The simulator's safety checkers (Raft paper figure 3), fed by the cluster after every
// event. Each check is incremental, so checking after every event costs little:
// - election safety: at most one leader per term;
// - log matching: two logs holding an entry with the same index and term hold the same
//   entry, preceded by an entry of the same term (by induction, identical prefixes);
// - leader completeness: an entry committed in term T is in the log of every leader of
//   a term after T;
// - state machine safety: every member applies the same entry at each index, so the
//   applied sequences are prefixes of one another.
import type { RaftLog } from "../raft/log.js";
import { type Entry, EntryKind } from "../raft/types.js";

export class SafetyViolation extends Error {
  override readonly name = "SafetyViolation";
}

/** A number naming an entry's content: the proposal id, 0 for no-ops, a hash for configs. */
export function entryIdentity(e: Entry): number {
  if (e.kind === EntryKind.noOp) return 0;
  if (e.kind === EntryKind.normal) {
    return new DataView(e.data.buffer, e.data.byteOffset, e.data.byteLength).getUint32(0);
  }
  let h = 5381;
  for (const b of e.data) h = (Math.imul(h, 33) + b) | 0;
  return -1 - (h >>> 1);
}

const termBits = 2 ** 20;

export class SafetyChecker {
  private readonly leaderOfTerm = new Map<number, number>();
  private readonly entries = new Map<number, { ident: number; prevTerm: number }>();
  /** Per committed index: the entry's term, and the lowest term in which it was committed. */
  readonly committedTerm: number[] = [0];
  private readonly commitTerm: number[] = [0];
  maxCommitted = 0;
  /** Per applied index: term and identity of the entry applied there. */
  private readonly appliedTerm: number[] = [];
  private readonly appliedIdent: number[] = [];
  /** The sequence of applied proposal ids, as the longest member has it. */
  readonly appliedIds: number[] = [];
  checks = 0;

  onLeader(node: number, term: number, log: RaftLog): void {
    this.checks++;
    const other = this.leaderOfTerm.get(term);
    if (other !== undefined && other !== node) {
      throw new SafetyViolation(
        `election safety: ${other} and ${node} both leaders of term ${term}`,
      );
    }
    this.leaderOfTerm.set(term, node);
    for (let i = log.offset + 1; i <= this.maxCommitted; i++) {
      if (this.commitTerm[i] >= term) continue;
      const t = log.term(i);
      if (t !== this.committedTerm[i]) {
        throw new SafetyViolation(
          `leader completeness: leader ${node} of term ${term} has term ${t} at ${i}, committed entry has term ${this.committedTerm[i]}`,
        );
      }
    }
  }

  /**
   * Member `node` made entry `e` durable, after an entry of term `prevTerm` (-1 if that one
   * is not in its log). Only durable entries count: an entry a member appended and lost in a
   * crash before anyone saw it (its messages wait for the write) was never part of any log.
   */
  onDurableEntry(node: number, e: Entry, prevTerm: number): void {
    this.checks++;
    if (e.term >= termBits) throw new Error("checker: term too large");
    const key = e.index * termBits + e.term;
    const ident = entryIdentity(e);
    const seen = this.entries.get(key);
    if (seen === undefined) {
      this.entries.set(key, { ident, prevTerm });
    } else if (
      seen.ident !== ident ||
      (prevTerm >= 0 && seen.prevTerm >= 0 && seen.prevTerm !== prevTerm)
    ) {
      throw new SafetyViolation(
        `log matching: member ${node} has entry ${e.index}/t${e.term} = ${ident} after t${prevTerm}, another log has ${seen.ident} after t${seen.prevTerm}`,
      );
    } else if (seen.prevTerm < 0) {
      seen.prevTerm = prevTerm;
    }
  }

  /** A member's commit index moved to `commit` while it was in `term`. */
  onCommit(
    node: number,
    term: number,
    log: RaftLog,
    prevCommit: number,
    commit: number,
    leaders: readonly { id: number; term: number; log: RaftLog }[],
  ): void {
    for (let i = Math.max(log.offset + 1, prevCommit + 1, 1); i <= commit; i++) {
      this.checks++;
      const t = log.term(i);
      if (i <= this.maxCommitted) {
        if (this.committedTerm[i] !== undefined && this.committedTerm[i] !== t) {
          throw new SafetyViolation(
            `commit: member ${node} committed term ${t} at ${i}, but term ${this.committedTerm[i]} was committed there`,
          );
        }
        if (term < this.commitTerm[i]) this.commitTerm[i] = term;
      } else {
        this.committedTerm[i] = t;
        this.commitTerm[i] = term;
      }
    }
    if (commit > this.maxCommitted) {
      for (let i = this.maxCommitted + 1; i <= commit; i++) {
        if (this.committedTerm[i] === undefined) this.committedTerm[i] = -1;
        if (this.commitTerm[i] === undefined) this.commitTerm[i] = term;
      }
      const from = this.maxCommitted + 1;
      this.maxCommitted = commit;
      for (const l of leaders) {
        if (l.term <= term) continue;
        for (let i = Math.max(from, l.log.offset + 1); i <= commit; i++) {
          const ct = this.committedTerm[i];
          if (ct >= 0 && l.log.term(i) !== ct) {
            throw new SafetyViolation(
              `leader completeness: leader ${l.id} of term ${l.term} lacks ${i}/t${ct} committed in term ${term}`,
            );
          }
        }
      }
    }
  }

  /** Member `node` applied entry `e`; `smLength` ids were in its state machine before. */
  onApply(node: number, e: Entry, smLength: number): void {
    this.checks++;
    const ident = entryIdentity(e);
    const t = this.appliedTerm[e.index];
    if (t === undefined) {
      this.appliedTerm[e.index] = e.term;
      this.appliedIdent[e.index] = ident;
    } else if (t !== e.term || this.appliedIdent[e.index] !== ident) {
      throw new SafetyViolation(
        `state machine safety: member ${node} applied ${ident}/t${e.term} at ${e.index}, another applied ${this.appliedIdent[e.index]}/t${t}`,
      );
    }
    if (e.kind === EntryKind.normal) this.onStateMachineId(node, smLength, ident);
  }

  private onStateMachineId(node: number, position: number, id: number): void {
    if (position < this.appliedIds.length) {
      if (this.appliedIds[position] !== id) {
        throw new SafetyViolation(
          `state machine safety: member ${node} applied proposal ${id} as #${position}, another applied ${this.appliedIds[position]}`,
        );
      }
    } else if (position === this.appliedIds.length) {
      this.appliedIds.push(id);
    } else {
      throw new SafetyViolation(`state machine safety: member ${node} skipped applied ids`);
    }
  }

  /** Member `node` installed a snapshot holding these applied ids. */
  onSnapshotInstalled(node: number, ids: readonly number[]): void {
    for (let k = 0; k < ids.length; k++) this.onStateMachineId(node, k, ids[k]);
  }
}
