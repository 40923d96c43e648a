// Proves the redial schedule: the nominal delay starts at its minimum, doubles per failure up
// to its maximum and starts over once a link came up; each delay lies between half its
// nominal value (rounded down) and twice that, the random part taken from the injected Random.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Random } from "../../src/base/random.js";
import { ReconnectBackoff } from "../../src/io/peer-reconnect-backoff.js";

/** A Random whose below() always answers the lowest, or the highest, value allowed. */
function extreme(highest: boolean): Random {
  return {
    uint32: () => 0,
    below: (bound) => (highest ? bound - 1 : 0),
    fill: (target) => target,
  };
}

test("delays double up to the maximum, within [half, twice half] of nominal, and reset", () => {
  const low = new ReconnectBackoff(50, 1000, extreme(false));
  const high = new ReconnectBackoff(50, 1000, extreme(true));
  const lows = Array.from({ length: 7 }, () => low.nextDelayMs());
  const highs = Array.from({ length: 7 }, () => high.nextDelayMs());
  assert.deepEqual(lows, [25, 50, 100, 200, 400, 500, 500]);
  assert.deepEqual(highs, [50, 100, 200, 400, 800, 1000, 1000]);
  low.reset();
  assert.equal(low.nextDelayMs(), 25);
  // An odd nominal delay: half is rounded down, and the top is twice that half.
  assert.equal(new ReconnectBackoff(3, 3, extreme(false)).nextDelayMs(), 1);
  assert.equal(new ReconnectBackoff(3, 3, extreme(true)).nextDelayMs(), 2);
});
