// Leader election (Raft paper section 5.2 and 5.4.1, thesis 9.6): campaigning, granting
// votes, counting them, PreVote, and the leader lease that CheckQuorum makes possible.
import type { RaftCore } from "./core.js";
import { VoteResult, voteResult } from "./quorum.js";
import { type Message, MessageType, noNode, Role, transferContext } from "./types.js";

export type CampaignKind = "pre-vote" | "election" | "transfer";

/**
 * Starts an election. A pre-vote asks "would you vote for me at term+1?" without anyone
 * changing term, so a member cut off from the others cannot force the cluster through
 * needless elections when it comes back (its log is behind, so nobody says yes).
 */
export function campaign(r: RaftCore, kind: CampaignKind): void {
  let type: MessageType;
  let term: number;
  if (kind === "pre-vote") {
    r.becomePreCandidate();
    type = MessageType.preVote;
    term = r.term + 1;
  } else {
    r.becomeCandidate();
    type = MessageType.vote;
    term = r.term;
  }
  // A pre-vote promises nothing, so our own counts at once. A real vote counts only once our
  // term and vote are durable (onOwnVoteDurable): the requests for the other votes wait in
  // the outbox until then anyway, but a single-voter group would otherwise win at once, and
  // a crash before the write would bring it back in the old term, free to vote for someone
  // else in the term it led: two leaders of one term.
  if (kind === "pre-vote") {
    r.votes.set(r.id, true);
    if (settle(r)) return;
  }
  const context = kind === "transfer" ? transferContext : 0;
  for (const id of r.log.currentConf().voters) {
    if (id === r.id) continue;
    r.send(type, id, { index: r.log.lastIndex(), logTerm: r.log.lastTerm(), context }, term);
  }
}

/** Candidate: the Ready holding our term and our vote for ourselves is durable; count it. */
export function onOwnVoteDurable(r: RaftCore): void {
  if (r.role !== Role.candidate || r.durableTerm !== r.term || r.votes.has(r.id)) return;
  r.votes.set(r.id, true);
  settle(r);
}

/** Acts on the tally; returns whether the election is over. */
function settle(r: RaftCore): boolean {
  switch (voteResult(r.log.currentConf().voters, r.votes)) {
    case VoteResult.won:
      if (r.role === Role.preCandidate) campaign(r, "election");
      else r.becomeLeader();
      return true;
    case VoteResult.lost:
      // Back to follower in the same term; a rejected pre-vote leaves our term untouched.
      r.becomeFollower(r.term, noNode);
      return true;
    default:
      return false;
  }
}

/** While we hear from a leader (CheckQuorum keeps it honest), refuse to help depose it. */
export function inLease(r: RaftCore): boolean {
  return r.config.checkQuorum && r.lead !== noNode && r.electionElapsed < r.config.electionTicks;
}

/**
 * Grants a vote to a candidate whose log is at least as up to date as ours (the election
 * restriction that gives leader completeness), at most once per term. The grant leaves
 * only after the vote is durable: a member that voted, crashed, and forgot could vote for
 * a second candidate in the same term and let two leaders win it.
 */
export function handleVoteRequest(r: RaftCore, m: Message): void {
  const pre = m.type === MessageType.preVote;
  const respType = pre ? MessageType.preVoteResp : MessageType.voteResp;
  const canVote =
    r.vote === m.from || (r.vote === noNode && r.lead === noNode) || (pre && m.term > r.term);
  if (canVote && r.log.isUpToDate(m.index, m.logTerm)) {
    if (pre) {
      r.send(respType, m.from, {}, m.term);
      return;
    }
    r.electionElapsed = 0;
    r.vote = m.from;
    if (r.config.plantedBug === "vote-before-persist") {
      r.sendUnsafeNow(respType, m.from, {}, m.term);
    } else {
      r.send(respType, m.from, {}, m.term);
    }
  } else {
    r.send(respType, m.from, { reject: true });
  }
}

export function handleVoteResponse(r: RaftCore, m: Message): void {
  if (!r.votes.has(m.from)) r.votes.set(m.from, !m.reject);
  settle(r);
}
