// One simulated time line for the member simulator: every timer, deferred callback, disk
// completion and network delivery of a run is an event on it, ordered by simulated time and,
// at equal times, by the order it was scheduled, so a run is a pure function of its seed.
//
// Every event has an owner. A member incarnation owns its timers, deferred work, disk
// completions and the frames travelling towards it; the harness owns the clients and the
// frames travelling towards them. A crash marks the incarnation's owner dead, and from then
// on none of its events runs: no callback of the old member's objects can fire after it died,
// exactly as a killed process runs no more code.
import { EventQueue } from "./event-queue.js";

export class Owner {
  alive = true;
  constructor(readonly name: string) {}
}

/** A scheduled event; cancelling it (a timer) makes it a no-op when its time comes. */
export class Ticket {
  cancelled = false;
  constructor(
    readonly owner: Owner,
    readonly run: () => void,
  ) {}
}

export class Timeline {
  nowMs = 0;
  /** Events run, and events dropped because their owner died or they were cancelled. */
  ran = 0;
  dropped = 0;
  private readonly queue = new EventQueue();

  get pending(): number {
    return this.queue.size;
  }

  /** Schedules `run` for `owner` after `delayMs` (negative delays run now). */
  at(delayMs: number, owner: Owner, run: () => void): Ticket {
    const ticket = new Ticket(owner, run);
    this.queue.push(this.nowMs + Math.max(0, delayMs), 0, 0, ticket);
    return ticket;
  }

  /** Runs the earliest event; false when none is left. */
  step(): boolean {
    const event = this.queue.pop();
    if (event === undefined) return false;
    this.nowMs = event.time;
    const ticket = event.payload as Ticket;
    if (ticket.cancelled || !ticket.owner.alive) {
      this.dropped++;
      return true;
    }
    this.ran++;
    ticket.run();
    return true;
  }
}
