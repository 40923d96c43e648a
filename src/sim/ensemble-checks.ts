// The checks an ensemble simulation makes once its run has ended, over every client's
// history (ensemble-history.ts). Pure. Each returns null when the history passes, or the
// first violation in words.
//
// - Registers: the register operations (CAS writes, unconditional writes, reads sent behind
//   a sync) are linearizable (linearizability.ts with register-model.ts).
// - Reads: every read, plain or synced, shows the register as it was at the zxid its reply
//   names (the member's applied zxid when it ran it): never older than the newest
//   acknowledged write of that register at or below that zxid. With the per-session check
//   that reply zxids never go back (made as replies arrive), a session's reads are never
//   older than its own last write or the last zxid it saw, on whatever member.
// - Watches: a notification reaches the connection before any reply whose zxid shows the
//   change that fired it, i.e. before any reply at or above the first acknowledged write of
//   the watched register after the watch was set.
// - Ephemerals: present exactly while their session lives (ephemeral-check.ts), against a
//   listing taken after the run healed.

import type { AckedWrite, EnsembleHistory } from "./ensemble-history.js";
import { registerInitial } from "./ensemble-history.js";
import { checkEphemerals, type EphemeralSession, type ListedEphemeral } from "./ephemeral-check.js";
import { checkLinearizable } from "./linearizability.js";
import { registerModel } from "./register-model.js";

/** Acknowledged writes per register, in zxid order; fails on two writes at one zxid. */
export function writesByKey(history: EnsembleHistory): Map<string, AckedWrite[]> | string {
  const byKey = new Map<string, AckedWrite[]>();
  const seen = new Map<number, AckedWrite>();
  for (const w of history.writes) {
    const other = seen.get(w.zxid);
    if (other !== undefined)
      return `zxid ${w.zxid} acknowledged for two writes (c${other.client} ${other.value}, c${w.client} ${w.value})`;
    seen.set(w.zxid, w);
    let list = byKey.get(w.key);
    if (list === undefined) {
      list = [];
      byKey.set(w.key, list);
    }
    list.push(w);
  }
  for (const list of byKey.values()) list.sort((a, b) => a.zxid - b.zxid);
  return byKey;
}

export function checkRegisters(history: EnsembleHistory): string | null {
  const result = checkLinearizable(
    history.registerOps,
    (_key, ops) => registerModel(registerInitial, ops),
    { stepsMax: 2_000_000 },
  );
  if (result.verdict !== "illegal") return null;
  const bad = result.keys.find((k) => k.verdict === "illegal")!;
  const w = bad.witness;
  // Witness indices point into the whole history.
  const show = (i: number): string => {
    const o = history.registerOps[i];
    const out = o.output === undefined ? o.outcome : JSON.stringify(o.output);
    return `c${o.client} ${JSON.stringify(o.input)} -> ${out} [${o.invokeMs}..${o.completeMs ?? "?"}ms]`;
  };
  const tail = w?.linearized.slice(-4).map(show) ?? [];
  return [
    `register ${bad.key} is not linearizable (${bad.opCount} operations)`,
    ...tail.map((t) => `      linearized: ${t}`),
    w ? `      cannot follow (state ${w.state}): ${show(w.blockedOp)}` : "",
  ].join("\n");
}

export function checkReads(
  history: EnsembleHistory,
  writes: Map<string, AckedWrite[]>,
): string | null {
  for (const r of history.reads) {
    if (r.mzxid > r.zxid)
      return `c${r.client} read ${r.key} at zxid ${r.zxid} shows a write at zxid ${r.mzxid}`;
    const list = writes.get(r.key);
    if (list === undefined) continue;
    let newest: AckedWrite | undefined;
    for (const w of list) {
      if (w.zxid > r.zxid) break;
      newest = w;
    }
    if (newest === undefined) continue;
    if (r.mzxid < newest.zxid)
      return `c${r.client} read ${r.key} at zxid ${r.zxid}${r.synced ? " (after sync)" : ""} returned ${r.value} v${r.version} (mzxid ${r.mzxid}), older than c${newest.client}'s acknowledged ${newest.value} at zxid ${newest.zxid}`;
    if (r.mzxid === newest.zxid && (r.value !== newest.value || r.version !== newest.version))
      return `c${r.client} read ${r.key} at mzxid ${r.mzxid}: ${r.value} v${r.version}, but the write acknowledged at that zxid was ${newest.value} v${newest.version}`;
  }
  return null;
}

export function checkWatches(
  history: EnsembleHistory,
  writes: Map<string, AckedWrite[]>,
): string | null {
  for (const log of history.watchLogs) {
    /** Watched path -> the zxid of the first acknowledged change after the watch was set. */
    const pending = new Map<string, number>();
    for (const e of log.events) {
      if (e.kind === "watch") {
        if (pending.has(e.path)) continue;
        const next = writes.get(e.path)?.find((w) => w.zxid > e.zxid);
        pending.set(e.path, next === undefined ? Number.POSITIVE_INFINITY : next.zxid);
      } else if (e.kind === "notify") {
        pending.delete(e.path);
      } else {
        for (const [path, changeZxid] of pending) {
          if (e.zxid >= changeZxid)
            return `c${log.client} on connection #${log.link}: a reply at zxid ${e.zxid} arrived before the notification of its watch on ${path}, changed at zxid ${changeZxid}`;
        }
      }
    }
  }
  return null;
}

/** `sessions`: each session's fate as known when the listing was read (alive: proven after). */
export function checkEphemeralFates(
  history: EnsembleHistory,
  sessions: readonly EphemeralSession[],
  listing: readonly ListedEphemeral[],
): string | null {
  const result = checkEphemerals(sessions, history.ephemeralCreates, listing);
  if (result.ok) return null;
  const v = result.violations[0];
  return `ephemerals: ${v.kind}: ${v.detail}`;
}
