// Proves the set and ephemeral checkers (src/sim/create-set-check.ts, ephemeral-check.ts)
// accept what a correct server leaves behind and reject each corruption: an acknowledged
// create lost, duplicated, stored under another name or given a reused or out-of-order
// sequence number, a node nobody attempted or whose create surely failed; an acknowledged
// ephemeral of a live session missing, an ephemeral outliving its closed or expired
// session, or owned by the wrong session. Indeterminate creates count either way.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type CreateAttempt,
  checkSequentialCreates,
  type ListedNode,
} from "../../src/sim/create-set-check.js";
import {
  checkEphemerals,
  type EphemeralCreate,
  type EphemeralSession,
  type ListedEphemeral,
} from "../../src/sim/ephemeral-check.js";

const name = (seq: number): string => `item-${String(seq).padStart(10, "0")}`;

function acked(tag: string, seq: number, invokeMs: number, completeMs: number): CreateAttempt {
  return { client: 1, tag, invokeMs, completeMs, outcome: "ok", name: name(seq) };
}

const attempts: CreateAttempt[] = [
  acked("a", 0, 0, 2),
  acked("b", 1, 1, 3),
  { client: 2, tag: "lost-applied", invokeMs: 2, outcome: "indeterminate" },
  { client: 2, tag: "lost-dropped", invokeMs: 3, outcome: "indeterminate" },
  { client: 3, tag: "refused", invokeMs: 4, completeMs: 4, outcome: "failed" },
  acked("c", 3, 5, 6),
];
const listing: ListedNode[] = [
  { name: name(0), data: "a" },
  { name: name(1), data: "b" },
  { name: name(2), data: "lost-applied" },
  { name: name(3), data: "c" },
];

function kinds(violations: { kind: string }[]): string[] {
  return violations.map((v) => v.kind).sort();
}

test("a correct set passes and counts indeterminate creates both ways", () => {
  const r = checkSequentialCreates(attempts, listing, "item-");
  assert.deepEqual(r.violations, []);
  assert.equal(r.ok, true);
  assert.equal(r.acknowledged, 3);
  assert.equal(r.indeterminatePresent, 1);
  assert.equal(r.indeterminateAbsent, 1);
  assert.equal(r.listed, 4);
});

test("a lost acknowledged create is rejected", () => {
  const r = checkSequentialCreates(attempts, listing.slice(1), "item-");
  assert.deepEqual(kinds(r.violations), ["lost"]);
  assert.match(r.violations[0].detail, /a acknowledged as item-0000000000, absent/);
});

test("a duplicated create is rejected, acknowledged or not", () => {
  const dupAcked = checkSequentialCreates(
    attempts,
    [...listing, { name: name(4), data: "b" }],
    "item-",
  );
  assert.deepEqual(kinds(dupAcked.violations), ["duplicated"]);
  const dupLost = checkSequentialCreates(
    attempts,
    [...listing, { name: name(4), data: "lost-applied" }],
    "item-",
  );
  assert.deepEqual(kinds(dupLost.violations), ["duplicated"]);
});

test("nodes nobody attempted, or whose create surely failed, are rejected", () => {
  const r = checkSequentialCreates(
    attempts,
    [...listing, { name: name(4), data: "stranger" }, { name: name(5), data: "refused" }],
    "item-",
  );
  assert.deepEqual(kinds(r.violations), ["failedButPresent", "unattempted"]);
  const badName = checkSequentialCreates(
    attempts,
    [...listing, { name: "item-7", data: "lost-dropped" }],
    "item-",
  );
  assert.deepEqual(kinds(badName.violations), ["badName"]);
});

test("an acknowledgement naming a node that holds another create's data is a loss", () => {
  const swapped = listing.map((n) =>
    n.data === "a" ? { ...n, data: "b" } : n.data === "b" ? { ...n, data: "a" } : n,
  );
  const r = checkSequentialCreates(attempts, swapped, "item-");
  assert.deepEqual(kinds(r.violations), ["lost", "lost"]);
});

test("sequence numbers must be unique and follow real time", () => {
  const reused = checkSequentialCreates(
    [acked("a", 0, 0, 2), acked("b", 0, 1, 3)],
    [{ name: name(0), data: "a" }],
    "item-",
  );
  assert.ok(kinds(reused.violations).includes("sequenceReused"));
  // b was acknowledged (t=2) before a was invoked (t=3), yet got the larger number.
  const outOfOrder = checkSequentialCreates(
    [acked("a", 3, 3, 4), acked("b", 5, 0, 2)],
    [
      { name: name(3), data: "a" },
      { name: name(5), data: "b" },
    ],
    "item-",
  );
  assert.deepEqual(kinds(outOfOrder.violations), ["sequenceOrder"]);
  // Overlapping creates may get their numbers in either order.
  const overlapping = checkSequentialCreates(
    [acked("a", 1, 0, 4), acked("b", 0, 1, 3)],
    [
      { name: name(0), data: "b" },
      { name: name(1), data: "a" },
    ],
    "item-",
  );
  assert.deepEqual(overlapping.violations, []);
});

// ---- ephemerals -------------------------------------------------------------------------

const sessions: EphemeralSession[] = [
  { sessionId: 10, client: 1, fate: "alive" },
  { sessionId: 11, client: 1, fate: "closed" },
  { sessionId: 12, client: 2, fate: "expired" },
  { sessionId: 13, client: 3, fate: "unknown" },
];

function eph(
  sessionId: number,
  path: string,
  outcome: EphemeralCreate["outcome"] = "ok",
): EphemeralCreate {
  return {
    sessionId,
    path,
    invokeMs: 0,
    outcome,
    completeMs: outcome === "ok" ? 1 : undefined,
  };
}

const creates: EphemeralCreate[] = [
  eph(10, "/e/1-0"),
  eph(10, "/e/1-1", "indeterminate"),
  eph(11, "/e/1-2"),
  eph(12, "/e/2-0"),
  eph(13, "/e/3-0"),
  eph(10, "/e/1-3", "failed"),
];
const ephListing: ListedEphemeral[] = [
  { path: "/e/1-0", owner: 10 },
  { path: "/e/3-0", owner: 13 },
];

test("ephemerals of live sessions stay, those of ended sessions go", () => {
  const r = checkEphemerals(sessions, creates, ephListing);
  assert.deepEqual(r.violations, []);
  assert.equal(r.mustBePresent, 1);
  assert.equal(r.goneWithSession, 2);
  // An unknown session's node may also be gone, and an indeterminate create may have landed.
  const alt = checkEphemerals(sessions, creates, [
    { path: "/e/1-0", owner: 10 },
    { path: "/e/1-1", owner: 10 },
  ]);
  assert.deepEqual(alt.violations, []);
});

test("a missing acknowledged ephemeral of a live session is rejected", () => {
  const r = checkEphemerals(sessions, creates, ephListing.slice(1));
  assert.deepEqual(kinds(r.violations), ["lost"]);
});

test("an ephemeral outliving its closed or expired session is rejected", () => {
  const r = checkEphemerals(sessions, creates, [
    ...ephListing,
    { path: "/e/1-2", owner: 11 },
    { path: "/e/2-0", owner: 12 },
  ]);
  assert.deepEqual(kinds(r.violations), ["outlivedSession", "outlivedSession"]);
});

test("strangers, surely failed creates and wrong owners are rejected", () => {
  const r = checkEphemerals(sessions, creates, [
    { path: "/e/1-0", owner: 13 },
    { path: "/e/3-0", owner: 13 },
    { path: "/e/9-9", owner: 10 },
    { path: "/e/1-3", owner: 10 },
  ]);
  assert.deepEqual(kinds(r.violations), ["failedButPresent", "unattempted", "wrongOwner"]);
});
