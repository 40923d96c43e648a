// One member's place in the ensemble simulator: its disk, which outlives every incarnation,
// and the incarnation running now (null while it is down). An incarnation is one life of the
// member process: its own owner on the time line (so that nothing it scheduled runs after a
// crash), its clock, the running member once storage recovery finished, and the client
// connections it holds.
import type { RunningMember } from "../server/start-member.js";
import type { SimClientLink } from "./sim-client-link.js";
import { SimClock } from "./sim-clock.js";
import type { SimDisk } from "./sim-disk.js";
import { Owner, type Timeline } from "./timeline.js";

export class Incarnation {
  readonly owner: Owner;
  readonly clock: SimClock;
  running: RunningMember | null = null;
  restartPlanned = false;
  readonly links: SimClientLink[] = [];
  constructor(
    readonly slot: number,
    readonly number: number,
    timeline: Timeline,
  ) {
    this.owner = new Owner(`m${slot}#${number}`);
    this.clock = new SimClock(timeline, this.owner);
  }
}

export class Slot {
  inc: Incarnation | null = null;
  incarnations = 0;
  /** The highest zxid whose state digest was sampled for this member's current state. */
  sampledZxid = -1;
  sampledAtMs = -1000;
  constructor(
    readonly id: number,
    readonly disk: SimDisk,
  ) {}
}
