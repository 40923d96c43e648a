// Membership changes through the log, one voter at a time (thesis 4.1). This file keeps the
// leader's progress table in step with the newest configuration in its log, checks the
// rules for proposing a change, and steps a removed leader down once its removal commits.

import { applyConfChange, type ConfChange, encodeConfState, isVoter } from "./conf-state.js";
import type { RaftCore } from "./core.js";
import { Progress } from "./progress.js";
import { appendEntry, bcastAppend } from "./replication.js";
import { abortTransfer } from "./transfer.js";
import { type Entry, EntryKind, noNode, Role } from "./types.js";

/**
 * Makes the leader track exactly the members of its newest configuration (self excluded:
 * the leader's own match is its stable index). New members start in probe state just past
 * our log, which the first rejection walks back to where they really are.
 */
export function syncConf(r: RaftCore, rebuild: boolean): void {
  const conf = r.log.currentConf();
  if (!rebuild && conf === r.trackedConf) return;
  r.trackedConf = conf;
  if (r.role !== Role.leader) return;
  const members = new Set([...conf.voters, ...conf.learners]);
  members.delete(r.id);
  for (const id of r.prs.keys()) if (!members.has(id)) r.prs.delete(id);
  for (const id of members) {
    if (r.prs.has(id)) continue;
    const pr = new Progress(
      r.log.lastIndex() + 1,
      r.config.inflightMessagesMax,
      r.config.inflightBytesMax,
    );
    // A fresh leader's followers count as active until the first check-quorum round.
    pr.recentActive = true;
    r.prs.set(id, pr);
  }
  if (r.leadTransferee !== noNode && !isVoter(conf, r.leadTransferee)) abortTransfer(r);
}

/**
 * Leader: proposes one change. Refused while an earlier change is uncommitted (two
 * uncommitted single steps could add up to a double step), and until this leader has
 * committed an entry of its own term: without that, a change from a deposed leader that
 * is still in some logs could combine with ours (the bug in the thesis' original rule).
 */
export function proposeConfChange(r: RaftCore, change: ConfChange): Entry | string {
  if (r.role !== Role.leader) return "not the leader";
  if (r.leadTransferee !== noNode) return "leadership transfer in progress";
  const log = r.log;
  if (log.term(log.committed) !== r.term) return "leader has not committed an entry of its term";
  if (log.conf.currentIndex > log.committed) return "an earlier membership change is pending";
  const next = applyConfChange(log.currentConf(), change);
  if (typeof next === "string") return next;
  const entry = appendEntry(r, EntryKind.confChange, encodeConfState(next));
  syncConf(r, false);
  bcastAppend(r);
  return entry;
}

/** Leader: once the configuration that removed us is committed, hand over by stepping down. */
export function afterCommit(r: RaftCore): void {
  if (r.role !== Role.leader) return;
  if (isVoter(r.trackedConf, r.id)) return;
  if (r.log.conf.currentIndex > r.log.committed) return;
  r.becomeFollower(r.term, noNode);
}
