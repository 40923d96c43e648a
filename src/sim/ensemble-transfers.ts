// Leadership transfers of the ensemble simulator, as `corral leader transfer` and a graceful
// stop ask for them: sometimes the leader hands over to the voter whose log matches furthest
// (handOver), sometimes to any other member, caught up or not (the transfer must then catch
// it up first or give up). An observer is never a valid target; a transfer to one must be
// refused.
import type { FaultHost } from "./ensemble-fault-host.js";
import type { Prng } from "./prng.js";

/**
 * `operator` decides which member an operator's transfer request goes through: a stream of
 * its own, so that routing requests through followers did not change the other draws of a
 * seed.
 */
export function planTransfers(h: FaultHost, operator: Prng): void {
  h.timeline.at(h.faults.between(200, h.profile.transferGapMsMax), h.wire, () => {
    if (h.healed) return;
    const leader = h.slots.find((s) => s.inc?.running?.log.isLeader === true);
    const running = leader?.inc?.running;
    if (leader !== undefined && running != null) {
      if (h.faults.chance(0.5)) {
        h.trace(`m${leader.id} asked to hand leadership over`);
        running.handOver(h.faults.between(200, 3000), () => {});
      } else {
        const target = h.faults.pick(h.ids.filter((id) => id !== leader.id));
        if (operator.chance(0.5)) {
          askThroughMember(h, operator, target);
          planTransfers(h, operator);
          return;
        }
        const why = running.raftLog.node.transferLeadership(target);
        h.trace(`m${leader.id} asked to transfer to m${target}: ${why ?? "started"}`);
        const conf = running.raftLog.node.status().conf;
        if (why === null && !conf.voters.includes(target)) {
          h.fail(`m${leader.id} started a leadership transfer to non-voter m${target}`);
          return;
        }
        running.raftLog.kick();
      }
    }
    planTransfers(h, operator);
  });
}

/**
 * The operator's way (`corral leader transfer --to N` against any member's admin port): the
 * request lands on a random running member, which refuses a target that is not a voter in
 * its view, starts the transfer if it leads, or passes the request on to the leader.
 */
function askThroughMember(h: FaultHost, operator: Prng, target: number): void {
  const up = h.slots.filter((s) => s.inc?.running != null);
  const via = operator.pick(up);
  h.trace(`m${via.id} asked by an operator to transfer to m${target}`);
  via.inc!.running!.leadership.request(target, 3000, (o) =>
    h.trace(
      `m${via.id} transfer answer ${o.status}: ${o.error ?? `m${o.previousLeader} -> m${o.leader}`}`,
    ),
  );
}
