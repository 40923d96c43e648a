// Network faults of the ensemble simulator, one at a time: one member isolated, a minority
// split off, a slow link whose messages fall behind the others', and in profiles with
// one-way partitions one direction of one link cut, or a member that can hear but not send.
// Each heals after a while (loss stops with it), and the next is planned.
import type { FaultHost } from "./ensemble-fault-host.js";

export function planPartitions(h: FaultHost): void {
  h.timeline.at(h.faults.between(100, h.profile.partitionGapMsMax), h.wire, () => {
    if (h.healed) return;
    const ids = h.ids;
    const kind = h.faults.below(h.profile.oneWayPartitions ? 5 : 3);
    if (kind === 0) {
      const lone = h.faults.pick(ids);
      for (const other of ids) if (other !== lone) h.net.cut(lone, other, false);
      h.trace(`partition: m${lone} isolated`);
    } else if (kind === 1) {
      const minority = new Set<number>();
      while (minority.size < Math.floor(ids.length / 2)) minority.add(h.faults.pick(ids));
      for (const a of minority) for (const b of ids) if (!minority.has(b)) h.net.cut(a, b, false);
      h.trace(`partition: {${[...minority].join(",")}} split off`);
    } else if (kind === 2) {
      // Slow links rather than cut ones: messages on them fall behind the others.
      const a = h.faults.pick(ids);
      const b = h.faults.pick(ids.filter((x) => x !== a));
      const ms = h.faults.between(50, 400);
      h.net.setLatency(a, b, ms);
      h.trace(`slow link m${a}->m${b}: ${ms}ms`);
      h.timeline.at(h.faults.between(100, 2000), h.wire, () =>
        h.net.setLatency(a, b, h.faults.below(h.profile.latencyMsMax + 1)),
      );
      planPartitions(h);
      return;
    } else if (kind === 3) {
      const a = h.faults.pick(ids);
      const b = h.faults.pick(ids.filter((x) => x !== a));
      h.net.cut(a, b, true);
      h.trace(`partition: m${a}->m${b} cut one way`);
    } else {
      const lone = h.faults.pick(ids);
      for (const other of ids) if (other !== lone) h.net.cut(lone, other, true);
      h.trace(`partition: m${lone} cannot send`);
    }
    h.stats.partitions++;
    h.timeline.at(h.faults.between(100, 2500), h.wire, () => {
      h.net.healAll();
      h.net.lossPerMille = 0;
      h.trace("partitions healed");
      planPartitions(h);
    });
  });
}
