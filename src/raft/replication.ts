// Log replication (Raft paper section 5.3 and 5.4.2): the leader's appends, pipelined and
// batched under per-follower flow control; the follower's consistency check and fast
// backtracking hint; commit by counting replicas of current-term entries; heartbeats.
import { assert } from "../base/assert.js";
import type { RaftCore } from "./core.js";
import { afterCommit } from "./membership.js";
import { type Progress, ProgressState } from "./progress.js";
import { quorumIndex } from "./quorum.js";
import { confirmReads, onHeartbeatAck } from "./read-index.js";
import { resendStalledChunk, sendSnapshot } from "./snapshot.js";
import { maybeSendTimeoutNow } from "./transfer.js";
import {
  type Entry,
  EntryKind,
  emptyBytes,
  type EntryKind as Kind,
  type Message,
  MessageType,
  type NodeId,
  Role,
} from "./types.js";

/** Leader: appends a new entry of the current term; it goes out with the next batch. */
export function appendEntry(r: RaftCore, kind: Kind, data: Uint8Array): Entry {
  assert(r.role === Role.leader, "replication: only the leader appends");
  const entry: Entry = { term: r.term, index: r.log.lastIndex() + 1, kind, data };
  r.log.append([entry]);
  r.appendPending = true;
  return entry;
}

export function appendNoOp(r: RaftCore): void {
  appendEntry(r, EntryKind.noOp, emptyBytes);
  // The leader's own match moves when the entry is durable (advance); a single voter then
  // commits. Followers get it right away.
  bcastAppend(r);
}

/** Sends everything appended since the last batch to every follower that can take it. */
export function flushAppends(r: RaftCore): void {
  if (!r.appendPending) return;
  r.appendPending = false;
  bcastAppend(r);
}

export function bcastAppend(r: RaftCore): void {
  r.appendPending = false;
  for (const [id, pr] of r.prs) {
    if (id !== r.id) sendAppends(r, id, pr, true);
  }
}

/**
 * Sends `to` what it lacks. In replicate state this pipelines several batches up to the
 * inflight limits; in probe state it sends one and waits. Empty appends are sent only when
 * `sendIfEmpty` (to carry a new commit index or to probe).
 */
export function sendAppends(r: RaftCore, to: NodeId, pr: Progress, sendIfEmpty: boolean): void {
  let empty = sendIfEmpty;
  while (!pr.isPaused()) {
    const prevIndex = pr.next - 1;
    const prevTerm = r.log.term(prevIndex);
    if (prevTerm < 0) {
      // The entry the follower needs next was compacted: only a snapshot can help.
      sendSnapshot(r, to, pr);
      return;
    }
    const last = r.log.lastIndex();
    const entries = pr.next <= last ? r.log.slice(pr.next, last, r.config.appendBytesMax) : [];
    if (entries.length === 0 && !empty) return;
    let bytes = 0;
    for (const e of entries) bytes += e.data.length;
    r.send(MessageType.append, to, {
      index: prevIndex,
      logTerm: prevTerm,
      entries,
      commit: r.log.committed,
    });
    pr.sentEntries(prevIndex + entries.length, bytes);
    if (entries.length === 0 || pr.state !== ProgressState.replicate) return;
    empty = false;
  }
}

/**
 * Follower: the consistency check of AppendEntries. We accept only if we hold the entry
 * just before the new ones with the same term; by induction our logs then agree up to the
 * last new entry (the log matching property).
 */
export function handleAppend(r: RaftCore, m: Message): void {
  const log = r.log;
  if (m.index < log.committed) {
    // Everything up to our commit index is known to match; say so and skip the rest.
    r.send(MessageType.appendResp, m.from, { index: log.committed });
    return;
  }
  const skipCheck = r.config.plantedBug === "skip-prev-entry-check" && m.index <= log.lastIndex();
  if (skipCheck || log.matchTerm(m.index, m.logTerm)) {
    if (m.entries.length > 0) log.mergeEntries(m.entries);
    const lastNew = m.index + m.entries.length;
    // Commit only what we now know matches the leader: up to the last entry it sent.
    log.commitTo(Math.min(m.commit, lastNew));
    if (r.config.plantedBug === "ack-before-persist") {
      r.sendUnsafeNow(MessageType.appendResp, m.from, { index: lastNew }, r.term);
    } else {
      r.send(MessageType.appendResp, m.from, { index: lastNew });
    }
    return;
  }
  // Fast backtracking: instead of "not index i", tell the leader the last index at or
  // below i whose term is <= the term it expected, and that term. The leader skips every
  // entry of a term we cannot share in one round trip instead of one entry per round trip.
  const hintIndex = log.findConflictByTerm(Math.min(m.index, log.lastIndex()), m.logTerm);
  r.send(MessageType.appendResp, m.from, {
    index: m.index,
    reject: true,
    rejectHint: hintIndex,
    logTerm: Math.max(log.term(hintIndex), 0),
  });
}

export function handleAppendResponse(r: RaftCore, m: Message, pr: Progress): void {
  pr.recentActive = true;
  if (m.reject) {
    let matchHint = m.rejectHint;
    if (m.logTerm > 0) matchHint = r.log.findConflictByTerm(m.rejectHint, m.logTerm);
    if (m.index >= pr.match && m.rejectHint < pr.match) {
      forgetLostLog(pr, matchHint);
      sendAppends(r, m.from, pr, true);
      return;
    }
    if (pr.maybeDecrTo(m.index, matchHint)) {
      if (pr.state === ProgressState.replicate) pr.becomeProbe();
      sendAppends(r, m.from, pr, true);
    }
    return;
  }
  const wasPaused = pr.isPaused();
  if (!pr.maybeUpdate(m.index)) {
    // Stale or duplicate acknowledgement; a paused probe may still resume.
    if (wasPaused && !pr.isPaused()) sendAppends(r, m.from, pr, false);
    return;
  }
  switch (pr.state) {
    case ProgressState.probe:
      pr.becomeReplicate();
      break;
    case ProgressState.snapshot:
      if (pr.match >= pr.pendingSnapshot) {
        pr.becomeProbe();
        pr.becomeReplicate();
      }
      break;
    default:
      pr.inflights.freeTo(m.index);
  }
  if (maybeCommit(r)) {
    bcastAppend(r);
  } else if (r.role === Role.leader) {
    sendAppends(r, m.from, pr, wasPaused);
  }
  if (r.role === Role.leader) maybeSendTimeoutNow(r, m.from, pr);
}

/**
 * Leader: advances commit to the highest index a majority of voters stores, but only if
 * that entry is of the current term (paper 5.4.2). Counting replicas of an earlier term's
 * entry is unsafe: figure 8 shows such an entry, stored on a majority, being overwritten
 * by a later leader. Earlier entries commit indirectly, with the first current-term one.
 */
export function maybeCommit(r: RaftCore): boolean {
  const log = r.log;
  const q = quorumIndex(r.trackedConf.voters, (id) =>
    id === r.id ? log.stable : (r.prs.get(id)?.match ?? 0),
  );
  if (q <= log.committed) return false;
  if (r.config.plantedBug !== "commit-prior-term-by-counting" && log.term(q) !== r.term) {
    return false;
  }
  log.commitTo(q);
  onCommitAdvanced(r);
  return true;
}

/** What waits on the leader's commit index: pending reads, a removed leader stepping down. */
function onCommitAdvanced(r: RaftCore): void {
  confirmReads(r);
  afterCommit(r);
}

/**
 * Heartbeats carry a commit index no higher than what the follower is known to store, so
 * a follower never marks as committed an entry it holds from another leader.
 */
export function bcastHeartbeat(r: RaftCore): void {
  for (const [id, pr] of r.prs) {
    if (id === r.id) continue;
    // The unconfirmed chunk or its answer may be lost.
    if (pr.state === ProgressState.snapshot) resendStalledChunk(r, id, pr);
    r.send(MessageType.heartbeat, id, {
      commit: Math.min(pr.match, r.log.committed),
      context: r.readSeq,
    });
  }
}

export function handleHeartbeat(r: RaftCore, m: Message): void {
  // The leader sends no more than what we acknowledged, so this clamp matters only for a
  // member that lost its log since (restarted on an empty data directory): the leader's
  // figure is stale, and what we hold came from this leader's term, so it matches as far as
  // it goes.
  r.log.commitTo(Math.min(m.commit, r.log.lastIndex()));
  // Our last index lets the leader notice that we lost entries we acknowledged.
  r.send(MessageType.heartbeatResp, m.from, { context: m.context, index: r.log.lastIndex() });
}

/**
 * The follower no longer holds entries it acknowledged: it lost its log (a member restarted
 * on an empty data directory). Its match is forgotten, or the leader would keep probing at
 * the stale one instead of sending what the follower lacks (a snapshot, usually). Lowering
 * match is always safe: commit only ever counts fewer replicas for it.
 */
function forgetLostLog(pr: Progress, lastIndex: number): void {
  pr.match = lastIndex;
  pr.becomeProbe();
  pr.next = lastIndex + 1;
}

export function handleHeartbeatResponse(r: RaftCore, m: Message, pr: Progress): void {
  pr.recentActive = true;
  // The follower is reachable again: let a stalled probe or a full window move.
  pr.probeSent = false;
  if (pr.state === ProgressState.replicate && pr.inflights.full()) pr.inflights.freeFirst();
  if (m.index < pr.match) forgetLostLog(pr, m.index);
  if (pr.match < r.log.lastIndex()) {
    // Even with nothing new to send: appends lost in the pipeline are otherwise never
    // noticed, and an empty append at our last index makes the follower say where it is.
    sendAppends(r, m.from, pr, true);
  }
  onHeartbeatAck(r, pr, m.context);
}
