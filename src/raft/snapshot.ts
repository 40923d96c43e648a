// Snapshots (paper section 7): a follower whose next entry the leader has compacted away
// gets the leader's newest snapshot instead, in chunks of snapshotChunkBytes so that one
// message never has to hold a whole state machine, at most snapshotChunksInflightMax of
// them unconfirmed: the follower takes chunks only in order and answers each with the
// offset it wants next, and the leader goes back to the first unconfirmed chunk with the
// heartbeats while the transfer is stalled, so lost chunks, lost answers and a follower
// restart in the middle all resolve without extra timers.
import { assert } from "../base/assert.js";
import { bytePartsLength, bytePartsSlice } from "../base/byte-parts.js";
import type { RaftCore } from "./core.js";
import { type Progress, ProgressState } from "./progress.js";
import {
  type Message,
  MessageType,
  type NodeId,
  type Snapshot,
  type SnapshotMeta,
} from "./types.js";

/** A snapshot being received: the chunks so far, in order. */
export interface SnapshotReceive {
  readonly meta: SnapshotMeta;
  readonly parts: Uint8Array[];
  received: number;
}

export function sendSnapshot(r: RaftCore, to: NodeId, pr: Progress): void {
  pr.becomeSnapshot(r.log.snapshot);
  sendSnapshotChunks(r, to, pr);
}

/**
 * Sends the chunk at the confirmed offset unless it is already on its way, then further
 * chunks up to snapshotChunksInflightMax unconfirmed ones: a window, so the transfer rate
 * is not one chunk per round trip through two busy event loops.
 */
export function sendSnapshotChunks(r: RaftCore, to: NodeId, pr: Progress): void {
  // A newer snapshot replaces the one being sent only while the follower has confirmed none
  // of it: a transfer under way runs to its end (the log keeps the entries after it).
  if (pr.snapshotOffset === 0 && r.log.snapshot.meta.index !== pr.pendingSnapshot)
    pr.becomeSnapshot(r.log.snapshot);
  const snap = pr.snapshotImage;
  assert(snap !== null, "snapshot: sending without an image");
  const total = bytePartsLength(snap.data);
  if (pr.snapshotSent <= pr.snapshotOffset) sendChunkAt(r, to, pr, pr.snapshotOffset, total);
  const limit = Math.min(
    total,
    pr.snapshotOffset + r.config.snapshotChunksInflightMax * r.config.snapshotChunkBytes,
  );
  while (pr.snapshotSent < limit) sendChunkAt(r, to, pr, pr.snapshotSent, total);
}

function sendChunkAt(r: RaftCore, to: NodeId, pr: Progress, offset: number, total: number) {
  const snap = pr.snapshotImage!;
  const data = bytePartsSlice(snap.data, offset, offset + r.config.snapshotChunkBytes);
  r.send(MessageType.snapshot, to, {
    snapshot: { meta: snap.meta, offset, totalBytes: total, data },
  });
  pr.snapshotSent = offset + data.length;
}

/**
 * Leader, at a heartbeat: re-sends the unconfirmed chunk if the transfer made no progress
 * since the previous heartbeat (the chunk or its answer may be lost), backing off while it
 * stays stalled: after 1, 2, 4, 8 and then every 16 heartbeats. A follower busy for seconds
 * (writing or decoding a large image) would otherwise find a megabyte re-sent per heartbeat
 * queued behind its socket, tens of megabytes of duplicates to read through.
 */
export function resendStalledChunk(r: RaftCore, to: NodeId, pr: Progress): void {
  if (pr.snapshotOffset !== pr.snapshotOffsetAtHeartbeat) {
    pr.snapshotOffsetAtHeartbeat = pr.snapshotOffset;
    pr.snapshotStalls = 0;
    return;
  }
  const stalls = ++pr.snapshotStalls;
  if ((stalls & (stalls - 1)) !== 0 && stalls % 16 !== 0) return;
  // Go back to the confirmed offset: the chunks after a lost one were dropped as out of
  // order, and the answers to the re-sent chunk refill the window from there.
  pr.snapshotSent = pr.snapshotOffset;
  sendSnapshotChunks(r, to, pr);
}

/**
 * The oldest snapshot index a transfer under way still needs the log to continue from:
 * the log is not compacted past it. Only followers that confirmed part of their transfer
 * and were heard from lately pin the log; a silent one starts over with the newest snapshot.
 */
export function snapshotPinIndex(r: RaftCore): number {
  let pin = Number.POSITIVE_INFINITY;
  for (const pr of r.prs.values()) {
    if (pr.state === ProgressState.snapshot && pr.snapshotOffset > 0 && pr.recentActive)
      pin = Math.min(pin, pr.pendingSnapshot);
  }
  return pin;
}

/** Follower: takes one chunk; installs the snapshot when the last one arrives. */
export function handleSnapshotChunk(r: RaftCore, m: Message): void {
  const chunk = m.snapshot;
  assert(chunk !== null, "snapshot: message without a chunk");
  const meta = chunk.meta;
  if (meta.index <= r.log.committed) {
    // We already have everything it covers (perhaps a re-sent last chunk): say how far.
    r.snapshotReceive = null;
    r.send(MessageType.appendResp, m.from, { index: r.log.committed });
    return;
  }
  if (chunk.offset === 0) r.snapshotReceive = { meta, parts: [], received: 0 };
  const recv = r.snapshotReceive;
  const same = recv !== null && recv.meta.index === meta.index && recv.meta.term === meta.term;
  if (!same || chunk.offset !== recv.received) {
    // A chunk out of order (one was lost or duplicated, or we restarted): ask for what we need.
    r.send(MessageType.snapshotResp, m.from, {
      index: same ? recv.received : 0,
      context: meta.index,
    });
    return;
  }
  recv.parts.push(chunk.data);
  recv.received += chunk.data.length;
  if (recv.received < chunk.totalBytes) {
    r.send(MessageType.snapshotResp, m.from, { index: recv.received, context: meta.index });
    return;
  }
  assert(recv.received === chunk.totalBytes, "snapshot: received more than the total");
  r.snapshotReceive = null;
  installSnapshot(r, { meta, data: recv.parts });
  r.send(MessageType.appendResp, m.from, { index: meta.index });
}

/**
 * If our log already holds the snapshot's last entry, the logs agree up to it and we only
 * learn that it is committed. Otherwise nothing in our log can be trusted to match, and
 * the snapshot replaces the log and, through the next Ready, the state machine.
 */
function installSnapshot(r: RaftCore, snapshot: Snapshot): void {
  const { index, term } = snapshot.meta;
  if (r.log.matchTerm(index, term)) {
    r.log.commitTo(index);
    return;
  }
  r.log.restore(snapshot);
}

/** Leader: the follower wants the snapshot from byte `index` on. */
export function handleSnapshotResponse(r: RaftCore, m: Message, pr: Progress): void {
  pr.recentActive = true;
  if (pr.state !== ProgressState.snapshot || m.context !== pr.pendingSnapshot) return;
  // The same offset again answers a chunk re-sent with a heartbeat that the follower had
  // already: the chunk at that offset is on its way. Answering it would start a second
  // stream of chunks beside the first, and every heartbeat during a slow transfer another.
  if (m.index === pr.snapshotOffset) return;
  // Below what it confirmed before, the follower lost what it had (it restarted): go back.
  if (m.index < pr.snapshotOffset) pr.snapshotSent = m.index;
  pr.snapshotOffset = Math.min(m.index, bytePartsLength(pr.snapshotImage!.data));
  sendSnapshotChunks(r, m.from, pr);
}
