// Checks ephemeral nodes against the fate of the sessions that made them, from the final
// listing (path and ephemeralOwner of each node). Pure.
//
// A session's fate is what its client knows at the end: alive (a request on it succeeded
// after the listing was read, so it was alive while the listing was read: an expired
// session never comes back), closed (close() was acknowledged before the listing was
// read), expired (the server said so before the listing was read), or unknown (a close
// that timed out, a client that gave up). The rules:
// - every acknowledged ephemeral of an alive session is present, owned by that session;
// - no ephemeral of a closed or expired session is present;
// - nothing is present that no session attempted, or that surely failed, and every node's
//   owner is the session that attempted it.
import type { Violation } from "./create-set-check.js";
import type { Outcome } from "./linearizability.js";

export type SessionFate = "alive" | "closed" | "expired" | "unknown";

export interface EphemeralSession {
  sessionId: number;
  client: number;
  fate: SessionFate;
}

export interface EphemeralCreate {
  sessionId: number;
  /** Unique to this attempt. */
  path: string;
  invokeMs: number;
  outcome: Outcome;
  completeMs?: number;
}

export interface ListedEphemeral {
  path: string;
  /** The node's stat.ephemeralOwner. */
  owner: number;
}

export type EphemeralViolationKind =
  | "lost"
  | "outlivedSession"
  | "unattempted"
  | "failedButPresent"
  | "wrongOwner";

export interface EphemeralCheckResult {
  ok: boolean;
  violations: Violation<EphemeralViolationKind>[];
  /** Acknowledged ephemerals of alive sessions (each of which must be present). */
  mustBePresent: number;
  /** Ephemerals of closed or expired sessions that were (rightly) absent. */
  goneWithSession: number;
  listed: number;
}

export function checkEphemerals(
  sessions: readonly EphemeralSession[],
  creates: readonly EphemeralCreate[],
  listing: readonly ListedEphemeral[],
): EphemeralCheckResult {
  const violations: Violation<EphemeralViolationKind>[] = [];
  const fate = new Map<number, SessionFate>();
  for (const s of sessions) fate.set(s.sessionId, s.fate);
  const byPath = new Map<string, EphemeralCreate>();
  for (const c of creates) {
    if (byPath.has(c.path)) throw new Error(`two attempts create ${c.path}`);
    byPath.set(c.path, c);
  }
  const listed = new Map<string, number>();
  for (const node of listing) {
    listed.set(node.path, node.owner);
    const attempt = byPath.get(node.path);
    if (attempt === undefined) {
      violations.push({ kind: "unattempted", detail: `${node.path} (owner ${node.owner})` });
      continue;
    }
    if (attempt.outcome === "failed") {
      violations.push({ kind: "failedButPresent", detail: `${node.path} surely failed` });
    }
    if (node.owner !== attempt.sessionId) {
      violations.push({
        kind: "wrongOwner",
        detail: `${node.path} owned by ${node.owner}, created by session ${attempt.sessionId}`,
      });
    }
    const f = fate.get(attempt.sessionId) ?? "unknown";
    if (f === "closed" || f === "expired") {
      violations.push({
        kind: "outlivedSession",
        detail: `${node.path} present although session ${attempt.sessionId} is ${f}`,
      });
    }
  }
  let mustBePresent = 0;
  let goneWithSession = 0;
  for (const c of creates) {
    if (c.outcome !== "ok") continue;
    const f = fate.get(c.sessionId) ?? "unknown";
    if (f === "alive") {
      mustBePresent++;
      if (!listed.has(c.path)) {
        violations.push({
          kind: "lost",
          detail: `${c.path} acknowledged, session ${c.sessionId} alive, node absent`,
        });
      }
    } else if ((f === "closed" || f === "expired") && !listed.has(c.path)) {
      goneWithSession++;
    }
  }
  return {
    ok: violations.length === 0,
    violations,
    mustBePresent,
    goneWithSession,
    listed: listing.length,
  };
}
