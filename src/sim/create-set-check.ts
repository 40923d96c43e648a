// Checks a set built by concurrent sequential creates (create /set/item- SEQUENTIAL) against
// the final listing of its parent. Pure.
//
// Each attempt writes a payload unique to it as the node's data, so the listing tells which
// attempt made which node even when the client never heard the answer. The rules:
// - every acknowledged create is in the listing exactly once, under the name it was told;
// - nothing is in the listing that no client attempted, or that surely failed;
// - an indeterminate attempt (timeout, lost connection) made at most one node;
// - sequence numbers are unique: no two acknowledgements name the same node;
// - sequence numbers respect real time: a create acknowledged before another was invoked
//   got the smaller number (the parent's counter is part of the linearizable state).
import type { Outcome } from "./linearizability.js";

export interface CreateAttempt {
  client: number;
  /** The node's data: unique to this attempt. */
  tag: string;
  invokeMs: number;
  outcome: Outcome;
  completeMs?: number;
  /** For an ok create: the node name the server returned (without the parent path). */
  name?: string;
}

export interface ListedNode {
  name: string;
  data: string;
}

export type SetViolationKind =
  | "lost"
  | "duplicated"
  | "unattempted"
  | "failedButPresent"
  | "badName"
  | "sequenceReused"
  | "sequenceOrder";

export interface Violation<K extends string> {
  kind: K;
  detail: string;
}

export interface SetCheckResult {
  ok: boolean;
  violations: Violation<SetViolationKind>[];
  acknowledged: number;
  /** Indeterminate attempts that did make their node, and those that did not. */
  indeterminatePresent: number;
  indeterminateAbsent: number;
  listed: number;
}

const sequenceDigits = /^(\d{10})$/;

export function checkSequentialCreates(
  attempts: readonly CreateAttempt[],
  listing: readonly ListedNode[],
  prefix: string,
): SetCheckResult {
  const violations: Violation<SetViolationKind>[] = [];
  const byTag = new Map<string, CreateAttempt>();
  for (const a of attempts) {
    if (byTag.has(a.tag)) throw new Error(`two attempts share the tag ${a.tag}`);
    byTag.set(a.tag, a);
  }
  const listedByTag = new Map<string, string[]>();
  const listedByName = new Map<string, string>();
  for (const node of listing) {
    listedByName.set(node.name, node.data);
    if (sequenceOf(node.name, prefix) < 0) {
      violations.push({ kind: "badName", detail: `${node.name} is not ${prefix}<10 digits>` });
    }
    const names = listedByTag.get(node.data);
    if (names === undefined) listedByTag.set(node.data, [node.name]);
    else names.push(node.name);
  }
  for (const [tag, names] of listedByTag) {
    const attempt = byTag.get(tag);
    if (attempt === undefined) {
      violations.push({ kind: "unattempted", detail: `${names.join(", ")} hold ${tag}` });
      continue;
    }
    if (attempt.outcome === "failed") {
      violations.push({
        kind: "failedButPresent",
        detail: `${names.join(", ")} made by ${tag}, which failed`,
      });
    }
    if (names.length > 1) {
      violations.push({ kind: "duplicated", detail: `${tag} made ${names.join(", ")}` });
    }
  }
  let acknowledged = 0;
  let indeterminatePresent = 0;
  let indeterminateAbsent = 0;
  const ackedNames = new Map<string, string>();
  const acked: { seq: number; invokeMs: number; completeMs: number; tag: string }[] = [];
  for (const a of attempts) {
    if (a.outcome === "indeterminate") {
      if (listedByTag.has(a.tag)) indeterminatePresent++;
      else indeterminateAbsent++;
      continue;
    }
    if (a.outcome !== "ok") continue;
    acknowledged++;
    const name = a.name ?? "";
    const other = ackedNames.get(name);
    if (other !== undefined) {
      violations.push({ kind: "sequenceReused", detail: `${other} and ${a.tag} both got ${name}` });
    }
    ackedNames.set(name, a.tag);
    if (listedByName.get(name) !== a.tag) {
      const data = listedByName.get(name);
      violations.push({
        kind: "lost",
        detail: `${a.tag} acknowledged as ${name}, ${data === undefined ? "absent" : `which holds ${data}`}`,
      });
    }
    const seq = sequenceOf(name, prefix);
    if (seq >= 0) acked.push({ seq, invokeMs: a.invokeMs, completeMs: a.completeMs!, tag: a.tag });
  }
  acked.sort((x, y) => x.seq - y.seq);
  // Walking in sequence order, an acknowledgement that completed before some smaller
  // number's create was even invoked got its number out of real-time order.
  let latest = { invokeMs: -Infinity, tag: "" };
  for (const a of acked) {
    if (a.completeMs < latest.invokeMs) {
      violations.push({
        kind: "sequenceOrder",
        detail: `${a.tag} (sequence ${a.seq}) completed before ${latest.tag} was invoked, which got a smaller number`,
      });
    }
    if (a.invokeMs > latest.invokeMs) latest = a;
  }
  return {
    ok: violations.length === 0,
    violations,
    acknowledged,
    indeterminatePresent,
    indeterminateAbsent,
    listed: listing.length,
  };
}

/** The sequence number in `name`, or -1 when it is not prefix + 10 digits. */
function sequenceOf(name: string, prefix: string): number {
  if (!name.startsWith(prefix)) return -1;
  const m = sequenceDigits.exec(name.slice(prefix.length));
  return m === null ? -1 : Number(m[1]);
}
