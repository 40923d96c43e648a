// Leadership transfer (thesis 3.10): the leader stops taking proposals, brings the target's
// log up to date, then tells it to campaign at once (TimeoutNow). The target's vote
// requests say they come from a transfer, so voters set aside their leader lease. If the
// target does not win within an election timeout, the leader carries on.

import { isVoter } from "./conf-state.js";
import type { RaftCore } from "./core.js";
import { campaign } from "./election.js";
import type { Progress } from "./progress.js";
import { sendAppends } from "./replication.js";
import { type Message, MessageType, type NodeId, noNode, Role } from "./types.js";

export function abortTransfer(r: RaftCore): void {
  r.leadTransferee = noNode;
  r.transferElapsed = 0;
}

/** Returns null when started (or already under way), or why it cannot be. */
export function transferLeadership(r: RaftCore, target: NodeId): string | null {
  if (r.role !== Role.leader) return "not the leader";
  if (target === r.id) return "already the leader";
  if (!isVoter(r.trackedConf, target)) return `${target} is not a voter`;
  if (r.leadTransferee === target) return null;
  abortTransfer(r);
  r.leadTransferee = target;
  const pr = r.prs.get(target)!;
  if (pr.match === r.log.lastIndex()) r.send(MessageType.timeoutNow, target, {});
  else sendAppends(r, target, pr, true);
  return null;
}

export function maybeSendTimeoutNow(r: RaftCore, from: NodeId, pr: Progress): void {
  if (from === r.leadTransferee && pr.match === r.log.lastIndex()) {
    r.send(MessageType.timeoutNow, from, {});
  }
}

export function handleTimeoutNow(r: RaftCore, _m: Message): void {
  if (r.promotable()) campaign(r, "transfer");
}
