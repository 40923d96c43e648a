// Membership changes of the ensemble simulator, asked of the leader's Raft core directly:
// add a spare (or a removed member) as a learner, promote a learner once it has caught up,
// demote or remove a voter (the leader too) while at least three would remain, or remove a
// learner.
import type { ConfChange } from "../raft/conf-state.js";
import type { FaultHost } from "./ensemble-fault-host.js";

export function planConfChanges(h: FaultHost): void {
  h.timeline.at(h.faults.between(200, h.profile.confChangeGapMsMax), h.wire, () => {
    if (h.healed) return;
    const leader = h.slots.find((s) => s.inc?.running?.log.isLeader === true);
    const node = leader?.inc?.running?.raftLog.node;
    if (leader !== undefined && node !== undefined) {
      const conf = node.status().conf;
      const commit = node.status().commit;
      const caughtUp = new Set(
        node
          .peers()
          .filter((p) => p.match >= commit)
          .map((p) => p.id),
      );
      const outside = h.ids.filter(
        (id) => !conf.voters.includes(id) && !conf.learners.includes(id),
      );
      const choices: ConfChange[] = [];
      for (const id of outside) choices.push({ op: "add-learner", id });
      for (const id of conf.learners) {
        if (caughtUp.has(id)) choices.push({ op: "add-voter", id });
        choices.push({ op: "remove", id });
      }
      if (conf.voters.length > 3) {
        for (const id of conf.voters) {
          choices.push({ op: "remove", id });
          choices.push({ op: "add-learner", id });
        }
      }
      if (choices.length > 0) {
        const change = h.faults.pick(choices);
        const result = node.proposeConfChange(change);
        h.trace(
          `m${leader.id} asked to ${change.op} m${change.id}: ${result.ok ? `proposed at ${result.index}` : result.reason}`,
        );
        leader.inc!.running!.raftLog.kick();
      }
    }
    planConfChanges(h);
  });
}
