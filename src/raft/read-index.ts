// Read-index (thesis 6.4): a linearizable read without writing to the log. The leader notes
// its commit index, confirms with a heartbeat round that a quorum still follows it (so no
// newer leader can have committed anything it lacks), and answers with that index; the
// asker serves the read once it has applied that far. ZooKeeper's `sync` is this.
//
// Rounds are numbered: every heartbeat carries the newest round number and the answer
// echoes it, so one heartbeat confirms every read registered before it was sent.
import type { PendingRead, RaftCore } from "./core.js";
import type { Progress } from "./progress.js";
import { hasQuorum } from "./quorum.js";
import { MessageType, type NodeId } from "./types.js";

/** Requests die with the leadership that took them; askers retry after a timeout. */
export function dropPendingReads(r: RaftCore): void {
  if (r.pendingReads.length > 0) r.pendingReads = [];
}

export function handleReadIndexRequest(r: RaftCore, from: NodeId, context: number): void {
  r.pendingReads.push({ seq: 0, index: 0, from, context });
  confirmReads(r);
}

export function onHeartbeatAck(r: RaftCore, pr: Progress, round: number): void {
  if (round > pr.readAck) pr.readAck = round;
  if (r.pendingReads.length > 0) confirmReads(r);
}

/**
 * Assigns a round to new requests once this leader has committed an entry of its term
 * (before that, its commit index may lag what earlier leaders committed), then answers
 * every request whose round a quorum has acknowledged.
 */
export function confirmReads(r: RaftCore): void {
  const reads = r.pendingReads;
  if (reads.length === 0) return;
  const log = r.log;
  if (log.term(log.committed) !== r.term) return;
  if (reads[reads.length - 1].seq === 0) {
    const seq = ++r.readSeq;
    for (let i = reads.length - 1; i >= 0 && reads[i].seq === 0; i--) {
      reads[i].seq = seq;
      reads[i].index = log.committed;
    }
    r.heartbeatPending = true;
  }
  let done = 0;
  while (done < reads.length && confirmed(r, reads[done])) {
    deliver(r, reads[done]);
    done++;
  }
  if (done > 0) r.pendingReads = reads.slice(done);
}

function confirmed(r: RaftCore, read: PendingRead): boolean {
  return hasQuorum(
    r.trackedConf.voters,
    (id) => id === r.id || (r.prs.get(id)?.readAck ?? 0) >= read.seq,
  );
}

function deliver(r: RaftCore, read: PendingRead): void {
  if (read.from === r.id) r.readStates.push({ index: read.index, context: read.context });
  else r.send(MessageType.readIndexResp, read.from, { index: read.index, context: read.context });
}
