// Checks the history of a lock (or leader latch) whose holders fence their writes: each
// holder, once the recipe says it holds the resource, reads the version of a token znode and
// then makes conditional setData calls on it, each expecting the version the previous one
// produced. A znode version only grows, so the accepted writes' resulting versions (the
// fencing tokens) order every holder's writes in one sequence. Two holders at once show up
// as a rejected conditional write, as two tenures whose tokens interleave, or (for holders
// that released the resource themselves) as overlapping real-time intervals.
//
// Sessions may expire and locks be lost under failures; a holder that learns late that it
// lost the resource may have believed it held it while the next holder already did. Its
// writes are then fenced off by the version check, so for a tenure that did not end with a
// clean release only the token checks apply, not the real-time one.

/** One write of a tenure: accepted with its resulting version (`token`), or rejected. */
export interface FencedWrite {
  expected: number;
  token?: number;
  result?: string;
}

/** What a client program printed for one tenure (times from one monotonic clock). */
export interface Tenure {
  resource: string;
  holder: string;
  session: number;
  start: number;
  end: number;
  writes: FencedWrite[];
  /** "released" when the holder released it itself on the same session, else why not. */
  outcome: string;
}

function describe(t: Tenure): string {
  return `${t.holder} [${t.start.toFixed(3)}, ${t.end.toFixed(3)}] ${t.outcome}`;
}

/** Every violation found in one resource's history; empty when the history is safe. */
export function fencingViolations(tenures: readonly Tenure[], finalVersion?: number): string[] {
  const violations: string[] = [];
  const withTokens: { tenure: Tenure; first: FencedWrite; tokens: number[] }[] = [];
  for (const t of tenures) {
    const tokens: number[] = [];
    let previous: number | undefined;
    for (const w of t.writes) {
      if (w.token === undefined) {
        violations.push(
          `${describe(t)}: its write expecting version ${w.expected} was rejected (${w.result}): another holder wrote during its tenure`,
        );
        continue;
      }
      if (previous !== undefined && w.expected !== previous) {
        violations.push(`${describe(t)}: a write expected ${w.expected} after token ${previous}`);
      }
      if (w.token <= w.expected) {
        violations.push(`${describe(t)}: token ${w.token} not above expected ${w.expected}`);
      }
      tokens.push(w.token);
      previous = w.token;
    }
    if (tokens.length > 0) withTokens.push({ tenure: t, first: t.writes[0], tokens });
  }
  // In token order, each tenure's writes must form one run, after the previous tenure's.
  withTokens.sort((a, b) => a.tokens[0] - b.tokens[0]);
  for (let i = 1; i < withTokens.length; i++) {
    const a = withTokens[i - 1];
    const b = withTokens[i];
    const aLast = a.tokens[a.tokens.length - 1];
    if (b.tokens[0] <= aLast) {
      violations.push(
        `tokens interleave: ${describe(a.tenure)} wrote ${a.tokens.join(",")}, ${describe(b.tenure)} wrote ${b.tokens.join(",")}`,
      );
    } else if (b.first.expected < aLast) {
      violations.push(
        `${describe(b.tenure)} started from version ${b.first.expected}, before ${describe(a.tenure)}'s token ${aLast}`,
      );
    }
    if (a.tenure.outcome === "released" && !(a.tenure.end < b.tenure.start)) {
      violations.push(
        `two holders at once: ${describe(a.tenure)} released after ${describe(b.tenure)} acquired`,
      );
    }
  }
  if (finalVersion !== undefined && withTokens.length > 0) {
    const last = withTokens[withTokens.length - 1].tokens;
    if (finalVersion < last[last.length - 1]) {
      violations.push(`the token node is at version ${finalVersion}, below token ${last.at(-1)}`);
    }
  }
  return violations;
}

/** Tenures that made at least one accepted write. */
export function tenuresWithTokens(tenures: readonly Tenure[]): number {
  return tenures.filter((t) => t.writes.some((w) => w.token !== undefined)).length;
}
