// Proves the linearizability checker for the versioned register (src/sim/linearizability.ts,
// src/sim/register-model.ts) decides correctly: hand-written linearizable histories pass;
// each classic corruption (a stale read after an acknowledged write, two successful
// compare-and-sets from one version, a read of a value nobody wrote, a version that skips)
// is rejected with a witness; indeterminate writes count both as applied and as never
// applied, but not both at once; random histories made by running a sequential register
// with random concurrency windows always pass; on small random histories with one mutated
// answer the checker agrees with a brute-force search over every order; the search budget
// ends in "unknown" instead of hanging; and a few thousand operations over ten keys check
// well under a second.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { checkLinearizable, type Outcome } from "../../src/sim/linearizability.js";
import {
  type RegisterInitial,
  type RegisterInput,
  type RegisterOp,
  type RegisterOutput,
  registerModel,
} from "../../src/sim/register-model.js";
import { rng, type TestRng } from "../support/rng.js";

const initial: RegisterInitial = { value: "init", version: 0 };

function check(history: readonly RegisterOp[], stepsMax?: number) {
  return checkLinearizable(history, (_key, ops) => registerModel(initial, ops), { stepsMax });
}

/** Shorthands: an operation on key "k" from client c over [t0, t1]. */
function read(c: number, t0: number, t1: number, value: string, version: number): RegisterOp {
  return {
    key: "k",
    client: c,
    input: { f: "read" },
    invokeMs: t0,
    completeMs: t1,
    outcome: "ok",
    output: { f: "read", value, version },
  };
}

function cas(
  c: number,
  t0: number,
  t1: number | null,
  value: string,
  expectedVersion: number,
  output?: RegisterOutput,
): RegisterOp {
  return {
    key: "k",
    client: c,
    input: { f: "write", value, expectedVersion },
    invokeMs: t0,
    completeMs: t1 ?? undefined,
    outcome: t1 === null ? "indeterminate" : "ok",
    output,
  };
}

const written = (version: number): RegisterOutput => ({ f: "written", version });
const badVersion: RegisterOutput = { f: "badVersion" };

test("sequential and overlapping histories that a register can produce are accepted", () => {
  const history = [
    read(1, 0, 1, "init", 0),
    cas(1, 2, 3, "a", 0, written(1)),
    // b overlaps c; c (unconditional) lands first, so b's CAS from version 1 fails.
    cas(2, 4, 10, "b", 1, badVersion),
    cas(3, 5, 6, "c", -1, written(2)),
    // A read overlapping a write may see either side of it.
    read(1, 7, 12, "c", 2),
    cas(2, 11, 14, "d", 2, written(3)),
    read(3, 11, 13, "c", 2),
    read(1, 13, 15, "d", 3),
  ];
  const r = check(history);
  assert.equal(r.verdict, "linearizable", JSON.stringify(r.keys));
});

test("a stale read after an acknowledged write is rejected, with a witness", () => {
  const history = [cas(1, 0, 1, "a", 0, written(1)), read(2, 2, 3, "init", 0)];
  const r = check(history);
  assert.equal(r.verdict, "illegal");
  const w = r.keys[0].witness!;
  assert.deepEqual(w.linearized, [0], "the write linearizes, then the read cannot");
  assert.equal(w.blockedOp, 1);
  assert.match(w.state, /version 1$/);
  // The same read overlapping the write is fine.
  assert.equal(
    check([cas(1, 0, 2, "a", 0, written(1)), read(2, 1, 3, "init", 0)]).verdict,
    "linearizable",
  );
});

test("two successful compare-and-sets from the same version are rejected", () => {
  const history = [cas(1, 0, 5, "a", 0, written(1)), cas(2, 0, 5, "b", 0, written(1))];
  assert.equal(check(history).verdict, "illegal");
  // One of them failing is what a register does.
  assert.equal(
    check([cas(1, 0, 5, "a", 0, written(1)), cas(2, 0, 5, "b", 0, badVersion)]).verdict,
    "linearizable",
  );
});

test("a read of a value never written, or a version that skips, is rejected", () => {
  assert.equal(check([read(1, 0, 1, "ghost", 0)]).verdict, "illegal");
  assert.equal(check([cas(1, 0, 1, "a", 0, written(1)), read(1, 2, 3, "a", 2)]).verdict, "illegal");
  assert.equal(check([cas(1, 0, 1, "a", -1, written(2))]).verdict, "illegal");
  // BadVersion when the version matched is as wrong as success when it did not.
  assert.equal(check([cas(1, 0, 1, "a", 0, badVersion)]).verdict, "illegal");
});

test("an indeterminate write may have taken effect or not, but not both", () => {
  const lost = cas(1, 0, null, "a", 0);
  // Seen later: it took effect (at any instant after its invocation).
  assert.equal(check([lost, read(2, 5, 6, "a", 1)]).verdict, "linearizable");
  // Never seen: it never took effect.
  assert.equal(check([lost, read(2, 5, 6, "init", 0)]).verdict, "linearizable");
  // It can take effect long after everything its client did next.
  assert.equal(
    check([lost, read(2, 5, 6, "init", 0), read(2, 7, 8, "a", 1)]).verdict,
    "linearizable",
  );
  // Seen, then unseen: impossible.
  assert.equal(check([lost, read(2, 5, 6, "a", 1), read(2, 7, 8, "init", 0)]).verdict, "illegal");
  // It cannot take effect before it was invoked.
  assert.equal(check([read(2, 0, 1, "a", 1), cas(1, 2, null, "a", 0)]).verdict, "illegal");
  // An acknowledged CAS from version 0 after it rules out that it took effect first.
  assert.equal(
    check([lost, cas(2, 5, 6, "b", 0, written(1)), read(2, 7, 8, "b", 1)]).verdict,
    "linearizable",
  );
  // Failed operations constrain nothing, indeterminate reads neither.
  const failed: RegisterOp = { ...cas(1, 0, 1, "x", 0, written(1)), outcome: "failed" };
  const lostRead: RegisterOp = {
    key: "k",
    client: 3,
    input: { f: "read" },
    invokeMs: 0,
    outcome: "indeterminate",
  };
  assert.equal(check([failed, lostRead, read(2, 2, 3, "init", 0)]).verdict, "linearizable");
});

test("keys are independent, and one bad key makes the history illegal", () => {
  const other = (op: RegisterOp): RegisterOp => ({ ...op, key: "j" });
  const history = [
    cas(1, 0, 1, "a", 0, written(1)),
    other(read(2, 2, 3, "init", 0)),
    read(3, 2, 3, "a", 1),
  ];
  const ok = check(history);
  assert.equal(ok.verdict, "linearizable");
  assert.deepEqual(
    ok.keys.map((k) => k.key),
    ["j", "k"],
  );
  const bad = check([...history, other(read(2, 4, 5, "a", 1))]);
  assert.equal(bad.verdict, "illegal");
  assert.deepEqual(
    bad.keys.map((k) => k.verdict),
    ["illegal", "linearizable"],
  );
});

test("a malformed history is a harness error, not a verdict", () => {
  assert.throws(() => check([read(1, 5, 4, "init", 0)]), /before it is invoked/);
  assert.throws(() => check([{ ...read(1, 0, 1, "init", 0), output: undefined }]), /no output/);
});

// ---- random histories ------------------------------------------------------------------

interface Generated {
  history: RegisterOp[];
  keys: string[];
}

/**
 * Runs a sequential register per key: clients issue operations one after another, each
 * taking effect at a random instant inside its own window; the outputs are what the
 * register returns in the order of those instants. Some operations are indeterminate
 * (taking effect or not) and some surely failed (no effect).
 */
function generate(
  r: TestRng,
  opCount: number,
  clientCount: number,
  keyCount: number,
  indeterminateShare = 0.05,
): Generated {
  const keys = Array.from({ length: keyCount }, (_, i) => `k${i}`);
  type Planned = { op: RegisterOp; atMs: number; applies: boolean };
  const planned: Planned[] = [];
  const clientFreeAt = new Array<number>(clientCount).fill(0);
  for (let i = 0; i < opCount; i++) {
    const c = r.int(clientCount);
    const invokeMs = clientFreeAt[c] + r.int(3);
    const durationMs = 1 + r.int(12);
    const completeMs = invokeMs + durationMs;
    clientFreeAt[c] = completeMs;
    const roll = r.next();
    const outcome: Outcome =
      roll < indeterminateShare
        ? "indeterminate"
        : roll < indeterminateShare + 0.03
          ? "failed"
          : "ok";
    const input: RegisterInput = r.chance(0.4)
      ? { f: "read" }
      : { f: "write", value: `v${i}`, expectedVersion: r.chance(0.15) ? -1 : -2 };
    planned.push({
      op: { key: r.pick(keys), client: c, input, invokeMs, outcome, completeMs },
      atMs: invokeMs + r.next() * durationMs,
      applies: outcome === "ok" || (outcome === "indeterminate" && r.chance(0.5)),
    });
  }
  const state = new Map(keys.map((k) => [k, { ...initial }]));
  for (const p of [...planned].sort((a, b) => a.atMs - b.atMs)) {
    const s = state.get(p.op.key)!;
    const input = p.op.input;
    if (input.f === "write" && input.expectedVersion === -2) {
      // A CAS from the version now (as after a fresh read) or from a stale one.
      input.expectedVersion = r.chance(0.6) ? s.version : Math.max(0, s.version - 1 - r.int(2));
    }
    if (!p.applies) continue;
    if (input.f === "read") {
      p.op.output = { f: "read", value: s.value, version: s.version };
    } else if (input.expectedVersion === -1 || input.expectedVersion === s.version) {
      s.value = input.value;
      s.version++;
      p.op.output = { f: "written", version: s.version };
    } else {
      p.op.output = { f: "badVersion" };
    }
  }
  for (const p of planned) {
    if (p.op.outcome !== "ok") {
      p.op.completeMs = undefined;
      p.op.output = undefined;
    }
  }
  return { history: planned.map((p) => p.op), keys };
}

test("random histories of a sequential register with concurrency windows are accepted", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const r = rng(seed);
      const { history } = generate(r, 50 + r.int(250), 2 + r.int(6), 1 + r.int(4));
      const result = check(history);
      assert.equal(result.verdict, "linearizable", `seed ${seed}: ${JSON.stringify(result.keys)}`);
    }),
    { numRuns: 150 },
  );
});

/**
 * The oracle: tries every order of the operations that respects real time (an operation may
 * go next only if no remaining acknowledged one completed before it was invoked), with each
 * indeterminate one either placed or left out. Exponential, so only for a few operations.
 */
function bruteForce(history: readonly RegisterOp[]): boolean {
  const ops = history.filter((o) => o.outcome !== "failed");
  const used = new Array<boolean>(ops.length).fill(false);
  const search = (value: string, version: number): boolean => {
    let pendingOk = false;
    for (let i = 0; i < ops.length; i++) if (!used[i] && ops[i].outcome === "ok") pendingOk = true;
    if (!pendingOk) return true;
    for (let i = 0; i < ops.length; i++) {
      if (used[i]) continue;
      const x = ops[i];
      let allowed = true;
      for (let j = 0; j < ops.length; j++) {
        const y = ops[j];
        if (!used[j] && j !== i && y.outcome === "ok" && y.completeMs! < x.invokeMs)
          allowed = false;
      }
      if (!allowed) continue;
      used[i] = true;
      if (x.outcome === "indeterminate" && search(value, version)) return true;
      const outcomes: { value: string; version: number; output: RegisterOutput }[] = [];
      if (x.input.f === "read") {
        outcomes.push({ value, version, output: { f: "read", value, version } });
      } else if (x.input.expectedVersion === -1 || x.input.expectedVersion === version) {
        outcomes.push({ value: x.input.value, version: version + 1, output: written(version + 1) });
      } else {
        outcomes.push({ value, version, output: badVersion });
      }
      for (const o of outcomes) {
        const fits =
          x.outcome === "indeterminate" || JSON.stringify(x.output) === JSON.stringify(o.output);
        if (fits && search(o.value, o.version)) return true;
      }
      used[i] = false;
    }
    return false;
  };
  return search(initial.value, initial.version);
}

function mutate(r: TestRng, history: RegisterOp[]): boolean {
  const oks = history.filter((o) => o.outcome === "ok");
  if (oks.length === 0) return false;
  const op = r.pick(oks);
  const out = op.output!;
  const values = history.flatMap((o) => (o.input.f === "write" ? [o.input.value] : []));
  if (out.f === "read") {
    op.output = r.chance(0.5)
      ? { f: "read", value: out.value, version: out.version + (r.chance(0.5) ? 1 : -1) }
      : { f: "read", value: r.pick([...values, initial.value, "ghost"]), version: out.version };
  } else if (out.f === "written") {
    op.output = r.chance(0.5) ? badVersion : written(out.version + (r.chance(0.5) ? 1 : -1));
  } else {
    op.output = written(1 + r.int(3));
  }
  return true;
}

test("on small random histories, with and without a mutated answer, the checker agrees with brute force", () => {
  let rejected = 0;
  let mutatedAccepted = 0;
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.boolean(), (seed, doMutate) => {
      const r = rng(seed);
      // Many lost operations, so interchangeable ones (and the symmetry rule) come up often.
      const { history } = generate(r, 2 + r.int(7), 1 + r.int(3), 1, 0.35);
      const mutated = doMutate && mutate(r, history);
      const expected = bruteForce(history);
      const got = check(history).verdict;
      assert.equal(
        got,
        expected ? "linearizable" : "illegal",
        `seed ${seed}: ${JSON.stringify(history)}`,
      );
      if (!expected) rejected++;
      else if (mutated) mutatedAccepted++;
    }),
    { numRuns: 1000 },
  );
  // Both kinds of case occurred: mutations that break linearizability and ones that do not.
  assert.ok(rejected > 50, `only ${rejected} rejections`);
  assert.ok(mutatedAccepted > 5, `only ${mutatedAccepted} harmless mutations`);
});

test("one mutated answer in a long random history is caught whenever brute force cannot be used", () => {
  // Mutations that surely break linearizability: a read reporting a version no write ever
  // produced on that key, or an acknowledged write claiming a version another acknowledged
  // write of the same key already claimed.
  for (let seed = 1; seed <= 40; seed++) {
    const r = rng(seed);
    const { history } = generate(r, 400, 6, 3);
    const reads = history.filter((o) => o.outcome === "ok" && o.output!.f === "read");
    const target = r.pick(reads);
    const versions = history.filter((o) => o.key === target.key && o.input.f === "write").length;
    const out = target.output as { f: "read"; value: string; version: number };
    target.output = { ...out, version: versions + 1 + r.int(5) };
    assert.equal(check(history).verdict, "illegal", `seed ${seed}`);
  }
  for (let seed = 41; seed <= 80; seed++) {
    const r = rng(seed);
    const { history } = generate(r, 400, 6, 3);
    const writes = history.filter((o) => o.outcome === "ok" && o.output!.f === "written");
    const a = r.pick(writes);
    const twins = writes.filter((o) => o !== a && o.key === a.key);
    if (twins.length === 0) continue;
    const b = r.pick(twins);
    b.output = a.output;
    assert.equal(check(history).verdict, "illegal", `seed ${seed}`);
  }
});

test("the search budget ends in unknown rather than hanging", () => {
  // Eight lost writes, eight reads all overlapping them that see each value at a different
  // version, then a read of a version none of their orders reaches: proving that takes
  // tens of thousands of steps, which a tiny budget cannot pay.
  const history: RegisterOp[] = [];
  for (let i = 0; i < 8; i++) history.push(cas(i, 0, null, `w${i}`, -1));
  for (let i = 0; i < 8; i++) history.push(read(10 + i, 1, 100, `w${i}`, i + 1));
  history.push(read(99, 101, 102, "w0", 9));
  const limited = check(history, 1000);
  assert.equal(limited.verdict, "unknown");
  assert.equal(limited.steps, 1001);
  const full = check(history);
  assert.equal(full.verdict, "illegal");
  assert.ok(full.steps > 10_000, `${full.steps} steps`);
});

test("lost writes of values nobody read are tried in one order, not in every order", () => {
  // Forty lost unconditional writes, then an acknowledged write and a read of one version
  // too many. Proving that illegal means ruling out every subset of the lost writes: 2^40
  // of them unless the checker knows they are interchangeable.
  const history: RegisterOp[] = [];
  for (let i = 0; i < 40; i++) history.push(cas(i, i, null, `w${i}`, -1));
  history.push(cas(50, 100, 101, "last", -1, written(41)));
  history.push(read(51, 102, 103, "last", 41));
  assert.equal(check(history).verdict, "linearizable");
  history.push(read(51, 104, 105, "last", 42));
  const bad = check(history, 100_000);
  assert.equal(bad.verdict, "illegal");
  assert.ok(bad.steps < 2000, `${bad.steps} steps`);
  const withoutSymmetry = checkLinearizable(
    history,
    (_key, ops) => ({ ...registerModel(initial, ops), symmetryClass: () => -1 }),
    { stepsMax: 100_000 },
  );
  assert.equal(withoutSymmetry.verdict, "unknown");
});

test("a few thousand operations over ten keys check well under a second", () => {
  const r = rng(2026);
  const { history } = generate(r, 4000, 12, 10);
  const indeterminate = history.filter((o) => o.outcome === "indeterminate").length;
  assert.ok(indeterminate > 100, "the history has plenty of indeterminate operations");
  const started = performance.now();
  const result = check(history);
  const elapsedMs = performance.now() - started;
  assert.equal(result.verdict, "linearizable");
  // Typically some tens of milliseconds; the bound leaves room for a loaded machine.
  assert.ok(elapsedMs < 1000, `took ${elapsedMs.toFixed(0)} ms, ${result.steps} steps`);
});
