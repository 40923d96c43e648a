// Planted bugs for the ensemble simulator (test-only, never used by the server). Each breaks
// a promise the ensemble makes, the way a real bug would, so a test can prove the checks
// catch it. They act on what the harness hands the real code or on the running objects'
// public surface; the member, EnsembleLog, RaftLog and storage code run unchanged.

import { ErrorCode, OpCode } from "../protocol/constants.js";
import { MessageType } from "../raft/types.js";
import { nextMembership, parseDynamicConfig, serverLines } from "../server/dynamic-config.js";
import { writeEnvelope } from "../server/entry-envelope.js";
import {
  decodeRaftMessage,
  encodeRaftMessage,
  PeerKind,
  PeerWriter,
} from "../server/peer-codec.js";
import type { ReconfigOrder } from "../server/reconfig-order.js";
import type { RunningMember } from "../server/start-member.js";
import { ByteWriter } from "../state/bytes.js";
import { EntryKind } from "../state/entry.js";
import { encodeEntry } from "../state/entry-codec.js";
import { configPath } from "../tree/path.js";
import type { SimPeerNetwork } from "./sim-peer-network.js";

export type EnsemblePlantedBug =
  /**
   * The leader counts an acknowledgement for every append it sends, as if each follower had
   * persisted it on receipt: it commits (and answers clients) before a quorum persisted.
   */
  | "phantom-append-acks"
  /** Every member believes it owns session expiry: followers expire sessions, and stop
   * reporting their clients' activity to the leader. */
  | "follower-expires-sessions"
  /** sync is answered at the member's own applied zxid, without asking the leader. */
  | "local-sync"
  /**
   * A link that reconnects sends again the last eight messages of its previous connection,
   * as a transport that resends its unacknowledged tail without deduplication would.
   */
  | "resend-after-reconnect"
  /**
   * A member removed from the configuration (or a learner cut off from the leader) keeps
   * believing in its last leader, so it keeps serving clients it can no longer keep current.
   */
  | "removed-member-keeps-serving"
  /**
   * The leader answers a reconfig OK as soon as the request passes its checks: it proposes
   * the reconfig entry with the new membership at once, before a joiner was added and caught
   * up, so /zookeeper/config (and the client) claim a membership the Raft group does not have.
   */
  | "reconfig-answers-early";

export const ensemblePlantedBugs: readonly EnsemblePlantedBug[] = [
  "phantom-append-acks",
  "follower-expires-sessions",
  "local-sync",
  "resend-after-reconnect",
  "removed-member-keeps-serving",
  "reconfig-answers-early",
];

const writer = new PeerWriter(1024);

/** The network tap of `phantom-append-acks`: an instant success for every append sent. */
export function phantomAppendAcks(
  from: number,
  to: number,
  body: Uint8Array,
  network: SimPeerNetwork,
): void {
  if (body[0] !== PeerKind.raft) return;
  const m = decodeRaftMessage(body);
  if (m.type !== MessageType.append || m.entries.length === 0) return;
  const ack = encodeRaftMessage(writer, {
    type: MessageType.appendResp,
    from: to,
    to: from,
    term: m.term,
    logTerm: 0,
    index: m.entries[m.entries.length - 1].index,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: 0,
    snapshot: null,
  });
  network.inject(to, from, ack, 0);
}

/** Applies the member-side planted bugs to a member that just started. */
export function plantInMember(
  bug: EnsemblePlantedBug | undefined,
  running: RunningMember,
  defer: (run: () => void) => void,
): void {
  if (bug === "follower-expires-sessions") {
    Object.defineProperty(running.log, "isLeader", { get: () => true });
  } else if (bug === "local-sync") {
    running.log.readBarrier = (done) => defer(() => done(running.member.lastZxid));
  } else if (bug === "reconfig-answers-early") {
    answerReconfigsEarly(running);
  }
}

/** `reconfig-answers-early`: wraps the leader's duty so that an accepted job is answered at once. */
function answerReconfigsEarly(running: RunningMember): void {
  const duty = running.log.reconfigDuty;
  if (duty === null) return;
  const submit = duty.submit.bind(duty);
  const w = new ByteWriter(1024);
  duty.submit = (order: ReconfigOrder) => {
    const before = running.member.state.tree.get(configPath)?.data ?? "";
    const busy = duty.inProgress;
    submit(order);
    // Refused (an error entry, no job) or not this leader's to take: nothing to answer early.
    if (busy || !duty.inProgress || before === "") return;
    const next = nextMembership(parseDynamicConfig(before).servers, order.request, true);
    if (!next.ok) return;
    const data = encodeEntry(
      {
        kind: EntryKind.write,
        timeMs: order.timeMs,
        sessionId: order.sessionId,
        authIds: order.authIds,
        op: { type: OpCode.reconfig, err: ErrorCode.ok, servers: serverLines(next.servers) },
      },
      writeEnvelope(w.reset(), order, order.tag),
    );
    running.raftLog.propose(data);
  };
}
