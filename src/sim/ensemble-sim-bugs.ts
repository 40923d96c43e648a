// Planted bugs for the ensemble simulator (test-only, never used by the server). Each breaks
// a promise the ensemble makes, the way a real bug would, so a test can prove the checks
// catch it. They act on what the harness hands the real code or on the running objects'
// public surface; the member, EnsembleLog, RaftLog and storage code run unchanged.
import { MessageType } from "../raft/types.js";
import {
  decodeRaftMessage,
  encodeRaftMessage,
  PeerKind,
  PeerWriter,
} from "../server/peer-codec.js";
import type { RunningMember } from "../server/start-member.js";
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
  | "removed-member-keeps-serving";

export const ensemblePlantedBugs: readonly EnsemblePlantedBug[] = [
  "phantom-append-acks",
  "follower-expires-sessions",
  "local-sync",
  "resend-after-reconnect",
  "removed-member-keeps-serving",
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
  }
}
