// Leadership transfer on an operator's demand (`corral leader transfer`, the admin port's
// POST /api/leader/transfer) and before a graceful stop (start-member.ts, handOver).
//
// Any member takes the request. It first judges the target against its own view of the
// membership, so a request for an observer or an unknown id is refused with a clear message
// wherever it arrives. The leader starts the Raft transfer itself (raft/transfer.ts: bring the
// target's log up to date, then TimeoutNow); any other member passes the request on to the
// leader over its peer link (peer-messages.ts, kind 18) rather than answering with the
// leader's address, because operators reach members through their admin ports and a
// follower does not know the leader's. Either way the member that took the request answers
// once it sees another member lead, or after a timeout: Raft abandons a transfer whose target
// does not win within an election timeout, and the old leader carries on.
import type { Clock } from "../base/clock.js";
import type { Logger } from "../base/logger.js";
import type { RaftNode } from "../raft/node.js";
import type { RaftLog } from "./raft-log.js";

export interface LeadershipTransferDeps {
  node: RaftNode;
  raftLog: RaftLog;
  clock: Clock;
  logger: Logger;
  /** How often a waiting request looks at who leads. */
  pollMs: number;
  /** Sends the request to the leader (EnsembleLog.forwardTransfer); false without a link. */
  forward: (target: number) => boolean;
}

/** How a transfer request ended, as the admin route reports it. */
export interface TransferOutcome {
  /** An HTTP status: 200 done, 400 a bad target, 409 nothing to do, 503/504 not done. */
  status: number;
  /** null when leadership moved; otherwise why not, in a sentence for the operator. */
  error: string | null;
  /** The leader when the request arrived (0: none known). */
  previousLeader: number;
  /** The leader when the answer was given (0: none known). */
  leader: number;
  /** The target asked for, 0 for the leader's choice. */
  requested: number;
  /** True when this member passed the request on to the leader. */
  forwarded: boolean;
  tookMs: number;
}

export class LeadershipTransfer {
  constructor(private readonly deps: LeadershipTransferDeps) {}

  /**
   * Why leadership cannot go to `target` (0: the leader's choice), judged from this member's
   * view of the membership; null when the request may proceed.
   */
  refusal(target: number): { status: number; message: string } | null {
    const st = this.deps.node.status();
    const { voters, learners } = st.conf;
    if (voters.length === 0) {
      // A spare that a membership change has not added yet knows no membership to judge by.
      return { status: 503, message: "this member is not in the ensemble's configuration yet" };
    }
    if (target !== 0) {
      if (learners.includes(target)) {
        return {
          status: 400,
          message: `server ${target} is an observer: observers do not vote and cannot lead`,
        };
      }
      if (!voters.includes(target)) {
        const members = [...voters, ...learners].sort((a, b) => a - b).join(", ");
        return {
          status: 400,
          message: `server ${target} is not a member of this ensemble (members: ${members})`,
        };
      }
      if (target === st.lead) {
        return { status: 409, message: `server ${target} already leads` };
      }
    } else if (voters.length < 2) {
      return { status: 409, message: "a single voter has no other member to hand leadership to" };
    }
    if (st.lead === 0) {
      return {
        status: 503,
        message: "this member knows no leader (an election is under way); try again shortly",
      };
    }
    return null;
  }

  /**
   * On the leader: starts handing leadership to `target`, or (0) to the voter in contact
   * whose log matches furthest. Returns why it could not start, or null.
   */
  startHere(target: number, why: string): string | null {
    const { node, raftLog, logger } = this.deps;
    if (!raftLog.isLeader) return "not the leader";
    const to = target !== 0 ? target : this.bestVoter();
    if (to === 0) return "no other voter is in contact with the leader";
    const refused = node.transferLeadership(to);
    if (refused !== null) return refused;
    logger.info("handing leadership over", { to, why });
    raftLog.kick();
    return null;
  }

  /** The leader's side of a request another member passed on. */
  forwarded(from: number, target: number): void {
    const refused = this.refusal(target)?.message ?? this.startHere(target, `asked via ${from}`);
    if (refused !== null) {
      this.deps.logger.warn("leadership transfer request refused", { from, target, refused });
    }
  }

  /**
   * An operator's request: refuses a bad target, starts the transfer here or passes it on to
   * the leader, then waits (up to `timeoutMs`) until another member leads.
   */
  request(target: number, timeoutMs: number, done: (outcome: TransferOutcome) => void): void {
    const { clock, raftLog } = this.deps;
    const startedMs = clock.monotonicMs();
    const previousLeader = raftLog.lead;
    const outcome = (
      status: number,
      error: string | null,
      forwarded: boolean,
    ): TransferOutcome => ({
      status,
      error,
      previousLeader,
      leader: raftLog.lead,
      requested: target,
      forwarded,
      tookMs: Math.round(clock.monotonicMs() - startedMs),
    });
    const refused = this.refusal(target);
    if (refused !== null) {
      done(outcome(refused.status, refused.message, false));
      return;
    }
    const forwarded = !raftLog.isLeader;
    const notStarted = forwarded
      ? this.deps.forward(target)
        ? null
        : `no link to the leader (server ${previousLeader}) is up`
      : this.startHere(target, "asked by an operator");
    if (notStarted !== null) {
      done(outcome(503, `leadership transfer did not start: ${notStarted}`, forwarded));
      return;
    }
    const poll = (): void => {
      const lead = raftLog.lead;
      if (lead !== 0 && lead !== previousLeader) {
        done(outcome(200, null, forwarded));
        return;
      }
      if (clock.monotonicMs() - startedMs >= timeoutMs) {
        done(
          outcome(
            504,
            `leadership stayed with server ${previousLeader}: the transfer did not complete within ${timeoutMs} ms (the target may be out of contact or behind; the leader's log says why)`,
            forwarded,
          ),
        );
        return;
      }
      clock.setTimer(this.deps.pollMs, poll);
    };
    clock.setTimer(this.deps.pollMs, poll);
  }

  /** The voter in contact whose log matches furthest, or 0 when there is none. */
  private bestVoter(): number {
    let best = 0;
    let bestMatch = -1;
    for (const p of this.deps.node.peers()) {
      if (p.voter && p.recentActive && p.match > bestMatch) {
        best = p.id;
        bestMatch = p.match;
      }
    }
    return best;
  }
}
