// Proves the nemesis plan (planFaults) is what the fault test relies on: the same seed gives
// the same plan; every fault fits its window, bounds and gaps and never overlaps the next;
// each allowed action comes before any repeats; targets are real members, a partition
// always leaves someone on the other side, a one-way cut names two different members;
// link faults are only planned for a cluster that can cut links; majorities are hit too.
import assert from "node:assert/strict";
import { test } from "node:test";
import { planFaults } from "./nemesis.js";

const five = [1, 2, 3, 4, 5];

test("plans are seeded, bounded and well formed", () => {
  let majorities = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const options = {
      members: five,
      canCutLinks: true,
      windowMs: 60_000,
      faultsMax: 12,
      faultMsMin: 200,
      faultMsMax: 3000,
      gapMsMin: 100,
      gapMsMax: 900,
    };
    const plan = planFaults(seed, options);
    assert.deepEqual(planFaults(seed, options), plan);
    assert.ok(plan.length >= 4 && plan.length <= 12, `seed ${seed}: ${plan.length} faults`);
    assert.deepEqual(
      plan
        .slice(0, 4)
        .map((f) => f.action)
        .sort(),
      ["kill", "one-way", "partition", "pause"],
    );
    let endMs = 0;
    for (const f of plan) {
      assert.ok(f.startMs >= endMs + 100 && f.startMs <= endMs + 900, `seed ${seed}: gap`);
      assert.ok(f.durationMs >= 200 && f.durationMs <= 3000);
      endMs = f.startMs + f.durationMs;
      assert.ok(endMs <= 60_000);
      assert.equal(new Set(f.members).size, f.members.length, "no member twice");
      for (const m of f.members) assert.ok(five.includes(m));
      if (f.action === "one-way") assert.equal(f.members.length, 2);
      if (f.action === "partition") assert.ok(f.members.length >= 1 && f.members.length < 5);
      if ((f.action === "kill" || f.action === "pause") && f.members.length >= 3) majorities++;
    }
  }
  assert.ok(majorities > 20, `only ${majorities} faults took a majority`);
});

test("a cluster without links gets only kills and pauses", () => {
  for (let seed = 1; seed <= 50; seed++) {
    const plan = planFaults(seed, {
      members: [1],
      canCutLinks: false,
      windowMs: 30_000,
      faultsMax: 10,
    });
    assert.ok(plan.length > 0);
    for (const f of plan) {
      assert.ok(f.action === "kill" || f.action === "pause");
      assert.deepEqual(f.members, [1]);
    }
  }
  assert.throws(
    () =>
      planFaults(1, {
        members: [1],
        canCutLinks: false,
        windowMs: 1000,
        faultsMax: 1,
        actions: ["partition"],
      }),
    /no fault action/,
  );
});
