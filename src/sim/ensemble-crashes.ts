// Crashes and disk faults of the ensemble simulator. A crash takes one member down at a
// random moment (now and then a second one with it, so a quorum may be lost for a while);
// the harness restarts it on the same disk, which keeps what was synced and maybe a torn
// tail. A disk fault makes the next write or sync of a running member fail (EIO or ENOSPC),
// which leaves that member read-only until the harness restarts it.
import type { FaultHost } from "./ensemble-fault-host.js";
import type { Incarnation, Slot } from "./ensemble-slot.js";

/** Plans the next crash, then the one after it, until faults stop. */
export function planCrashes(h: FaultHost): void {
  h.timeline.at(h.faults.between(500, h.profile.crashGapMsMax), h.wire, () => {
    if (h.healed) return;
    const up = h.slots.filter((s) => s.inc !== null);
    if (up.length > 0) {
      h.crash(h.faults.pick(up), "crash");
      // Now and then a second member at once: a quorum may be lost for a while.
      if (up.length > 1 && h.faults.chance(0.2)) {
        const other = h.slots.filter((s) => s.inc !== null);
        if (other.length > 0) h.crash(h.faults.pick(other), "crash (second)");
      }
    }
    planCrashes(h);
  });
}

/** Maybe arms one disk fault for an incarnation that just started, in profiles with them. */
export function planDiskFault(h: FaultHost, slot: Slot, inc: Incarnation): void {
  if (!h.profile.diskFaults || h.healed || !h.faults.chance(0.3)) return;
  h.timeline.at(h.faults.between(50, 3000), h.wire, () => {
    if (slot.inc !== inc || h.healed) return;
    const op = h.faults.pick(["write", "sync"] as const);
    const code = h.faults.pick(["EIO", "ENOSPC"]);
    h.stats.diskFaults++;
    h.trace(`m${slot.id} disk: next ${op} fails with ${code}`);
    slot.disk.failNext(op, code);
  });
}
