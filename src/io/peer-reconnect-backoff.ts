// When a dialler tries again after a failed or lost link: the delay starts at delayMsMin and
// doubles with every failure in a row, up to delayMsMax; a link that comes up starts over.
// Each delay is half its nominal value (rounded down) plus a random part of as much again,
// so members that lost each other at the same moment do not redial in lockstep.
import type { Random } from "../base/random.js";

export class ReconnectBackoff {
  /** The nominal (before jitter) delay of the next attempt. */
  private nominalMs: number;

  constructor(
    private readonly delayMsMin: number,
    private readonly delayMsMax: number,
    private readonly random: Random,
  ) {
    this.nominalMs = delayMsMin;
  }

  /** The link came up: the next failure waits the least again. */
  reset(): void {
    this.nominalMs = this.delayMsMin;
  }

  /** The delay before the next attempt, after a failure; the one after it is doubled. */
  nextDelayMs(): number {
    const nominalMs = this.nominalMs;
    this.nominalMs = Math.min(this.delayMsMax, nominalMs * 2);
    const half = Math.floor(nominalMs / 2);
    return half + this.random.below(half + 1);
  }
}
