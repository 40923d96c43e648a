// Proves that the fencing-history checker used by the ensemble lock tests accepts a safe
// history and catches each way two holders can show: a rejected conditional write,
// interleaved tokens, and a clean release after the next holder acquired.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fencingViolations, type Tenure } from "./fencing-history.js";

function tenure(
  holder: string,
  start: number,
  end: number,
  tokens: number[],
  outcome = "released",
): Tenure {
  return {
    resource: "r",
    holder,
    session: 1,
    start,
    end,
    writes: tokens.map((token) => ({ expected: token - 1, token })),
    outcome,
  };
}

test("a safe history, including a lost holder overlapping its fenced-off successor", () => {
  const history = [
    tenure("a", 0, 1, [1, 2, 3]),
    tenure("b", 2, 3, [4, 5]),
    // c lost its session at some point and learned it late: it overlaps d in real time, but
    // its last write was fenced off by d's (no token of c after d's first).
    tenure("c", 4, 9, [6], "lost: SessionExpiredError"),
    tenure("d", 6, 7, [7, 8]),
  ];
  assert.deepEqual(fencingViolations(history, 8), []);
});

test("a rejected conditional write is a violation", () => {
  const rejected = tenure("b", 2, 3, [4]);
  rejected.writes.push({ expected: 4, result: "badversion" });
  assert.equal(fencingViolations([tenure("a", 0, 1, [1, 2]), rejected]).length, 1);
});

test("interleaved tokens are a violation", () => {
  const v = fencingViolations([tenure("a", 0, 5, [1, 2, 5], "lost: x"), tenure("b", 1, 2, [3, 4])]);
  assert.match(v.join("\n"), /tokens interleave/);
});

test("a clean release after the next holder acquired is a violation", () => {
  const v = fencingViolations([tenure("a", 0, 3, [1, 2]), tenure("b", 2, 4, [3, 4])]);
  assert.match(v.join("\n"), /two holders at once/);
});

test("a token node below the last token is a violation", () => {
  assert.equal(fencingViolations([tenure("a", 0, 1, [1, 2])], 1).length, 1);
});
