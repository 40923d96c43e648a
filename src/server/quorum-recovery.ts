// Quorum-loss recovery on a stopped member's data (the `corral recover` command; ClickHouse
// Keeper's `rcvr` is the model). When a majority of an ensemble is gone for good, no leader
// can ever commit again: Raft has no safe way forward. The operator then chooses to lose the
// guarantee rather than the data, and makes one survivor the seed of a new ensemble.
//
// What the rewrite keeps: every entry in the seed's log, committed or not. A survivor does not
// know how far the lost quorum committed (its commit index is only a lower bound), so treating
// its whole log as committed is the only way to keep every write it holds that the old
// ensemble had acknowledged; the price is that writes nobody acknowledged may come back. The
// survivor whose log is most advanced (highest last term, then highest last index: Raft's own
// "up to date" order) holds every entry that any survivor holds committed, which is why
// `mostAdvanced` picks the seed by that order.
//
// What the rewrite does, with the storage modules and their formats (no second log format):
// the seed's state is rebuilt through its last log entry (newest snapshot, then every entry
// applied as a member applies it), saved as a snapshot at that index whose configuration is
// the new ensemble's, and installed as a leader's snapshot would be (the log then continues
// after it); the hard state moves to a new term without a vote (the vote belonged to the old
// ensemble, and a vote never changes within a term) and records the snapshot's index as
// committed. Started with the new zoo.cfg, the seed is a voter of the new configuration
// holding the whole old log; members that join empty receive that snapshot from it. The
// caller (cli/recover.ts) gives the data directory its new ensemble id, so no member of the
// old ensemble that comes back can talk to it.
//
// Each step is crash-safe on its own: the snapshot is durable before the log is dropped, and
// a rewrite interrupted before the hard state is saved can simply be run again (the data then
// holds the snapshot alone, which the rewrite rebuilds the same way).
import { type Disk, DiskErrorCode } from "../base/disk.js";
import { encodeConfState } from "../raft/conf-state.js";
import { type ConfState, EntryKind } from "../raft/types.js";
import { apply } from "../state/apply.js";
import { decodeEntry } from "../state/entry-codec.js";
import { decodeSnapshot } from "../state/snapshot.js";
import { encodeSnapshot } from "../state/snapshot-writer.js";
import { State, type StateOptions } from "../state/state.js";
import { parseSnapshotName } from "../storage/snapshot-file.js";
import { openStorage, type Recovered, type Storage } from "../storage/storage.js";
import type { StorageLogger } from "../storage/types.js";
import { parseSegmentName } from "../storage/wal-format.js";
import { entryBytes } from "./entry-envelope.js";

/** Where a member keeps its data: ZooKeeper's dataDir (snapshots) and dataLogDir (log). */
export interface MemberDataDirs {
  disk: Disk;
  dataDir: string;
  dataLogDir: string;
  logger: StorageLogger;
}

/** What a member's durable Raft state says about how far its log goes. */
export interface LogSummary {
  /** Index and term of the newest snapshot (0 without one). */
  snapshotIndex: number;
  snapshotTerm: number;
  /** The last entry in the log (the snapshot's when the log after it is empty). */
  lastIndex: number;
  lastTerm: number;
  /** What the member knew committed when it stopped (a lower bound). */
  commitIndex: number;
  /** The term in the hard state. */
  term: number;
}

/** The term of every index a member's storage still holds: the snapshot's, then its log's. */
export interface LogTerms {
  snapshotIndex: number;
  snapshotTerm: number;
  /** The term of entry snapshotIndex + 1 + k at k. */
  terms: readonly number[];
}

export function termsOf(recovered: Recovered): LogTerms {
  return {
    snapshotIndex: recovered.snapshot?.meta.lastIndex ?? 0,
    snapshotTerm: recovered.snapshot?.meta.lastTerm ?? 0,
    terms: recovered.entries.map((e) => e.term),
  };
}

/** The term at `index`, or undefined where the log holds nothing (compacted or beyond). */
export function termAt(log: LogTerms, index: number): number | undefined {
  if (index === log.snapshotIndex) return log.snapshotTerm;
  return index < log.snapshotIndex ? undefined : log.terms[index - log.snapshotIndex - 1];
}

/**
 * Why the seed's log does not hold everything that `other` recorded as committed, or null
 * when it does. By Raft's log matching, equal terms at the other's commit index mean equal
 * logs up to it; an index the seed compacted was applied by the seed, hence committed, and
 * committed prefixes never disagree.
 */
export function committedElsewhere(
  seed: LogSummary & { log: LogTerms },
  other: LogSummary & { log: LogTerms },
): string | null {
  const c = other.commitIndex;
  if (c > seed.lastIndex) {
    return `it recorded entries through ${c} as committed, beyond the seed's last index ${seed.lastIndex}`;
  }
  const mine = termAt(seed.log, c);
  const theirs = termAt(other.log, c);
  if (mine !== undefined && theirs !== undefined && mine !== theirs) {
    return `it recorded index ${c} (term ${theirs}) as committed, where the seed's log has term ${mine}`;
  }
  return null;
}

/** Summarises what storage recovered. */
export function summarize(recovered: Recovered): LogSummary {
  const snap = recovered.snapshot?.meta;
  const last = recovered.entries[recovered.entries.length - 1];
  const snapshotIndex = snap?.lastIndex ?? 0;
  const snapshotTerm = snap?.lastTerm ?? 0;
  return {
    snapshotIndex,
    snapshotTerm,
    lastIndex: last?.index ?? snapshotIndex,
    lastTerm: last?.term ?? snapshotTerm,
    // The hard state's commit may trail the snapshot (it is saved lazily); the snapshot's
    // index was applied, so it was committed.
    commitIndex: Math.max(recovered.hardState.commit, snapshotIndex),
    term: recovered.hardState.term,
  };
}

/** True when storage holds nothing at all: no snapshot and no log entry. */
export function holdsNothing(recovered: Recovered): boolean {
  return recovered.snapshot === null && recovered.entries.length === 0;
}

/**
 * The position of the most advanced log among `summaries` (Raft's order: last term first,
 * then last index), or -1 for an empty list. Ties go to the first.
 */
export function mostAdvanced(summaries: readonly LogSummary[]): number {
  let best = -1;
  for (let i = 0; i < summaries.length; i++) {
    const s = summaries[i];
    const b = best < 0 ? null : summaries[best];
    if (
      b === null ||
      s.lastTerm > b.lastTerm ||
      (s.lastTerm === b.lastTerm && s.lastIndex > b.lastIndex)
    ) {
      best = i;
    }
  }
  return best;
}

/**
 * The survivor to seed from, as a position in `logs`: among the logs that hold everything
 * every other survivor recorded as committed (the one with the longest committed prefix
 * always does, as committed prefixes never disagree), the most advanced. -1 for none given.
 */
export function pickSeed(logs: readonly MemberLog[]): number {
  const candidates = logs.filter((seed) =>
    logs.every((other) => other === seed || committedElsewhere(seed, other) === null),
  );
  const best = mostAdvanced(candidates);
  return best < 0 ? -1 : logs.indexOf(candidates[best]);
}

/**
 * Opens a stopped member's storage as a start would (which cuts a torn last write, as every
 * start does) and hands what it found to `opened`, which closes `storage`; errors go to
 * `callback`.
 */
function openMemberStorage(
  dirs: MemberDataDirs,
  callback: (error: Error, opened: null) => void,
  opened: (storage: Storage, recovered: Recovered) => void,
): void {
  try {
    openStorage(
      { disk: dirs.disk, logDir: dirs.dataLogDir, snapDir: dirs.dataDir, logger: dirs.logger },
      (error, storage, recovered) => {
        if (error === null && storage !== null && recovered !== null) opened(storage, recovered);
        else callback(error ?? new Error("storage did not open"), null);
      },
    );
  } catch (err) {
    callback(err instanceof Error ? err : new Error(String(err)), null);
  }
}

/** What `inspectMemberData` found in a member's data. */
export interface MemberLog extends LogSummary {
  log: LogTerms;
  /** No snapshot and no log entry at all. */
  empty: boolean;
}

const nothing: MemberLog = Object.freeze({
  snapshotIndex: 0,
  snapshotTerm: 0,
  lastIndex: 0,
  lastTerm: 0,
  commitIndex: 0,
  term: 0,
  log: { snapshotIndex: 0, snapshotTerm: 0, terms: [] },
  empty: true,
});

/**
 * Whether a member's directories hold any snapshot file or log segment: a directory that
 * holds neither is judged without opening storage, which would create files in it.
 */
function holdsFiles(
  dirs: MemberDataDirs,
  callback: (error: Error | null, holds: boolean) => void,
): void {
  dirs.disk.list(dirs.dataDir, (snapError, snapNames) => {
    dirs.disk.list(dirs.dataLogDir, (logError, logNames) => {
      const listError = snapError ?? logError;
      if (listError !== null && listError.code !== DiskErrorCode.notFound) {
        callback(listError, false);
        return;
      }
      callback(
        null,
        (snapError === null && snapNames.some((n) => parseSnapshotName(n) >= 0)) ||
          (logError === null && logNames.some((n) => parseSegmentName(n) >= 0)),
      );
    });
  });
}

/** Reads how far a stopped member's log goes and closes its storage again. */
export function inspectMemberData(
  dirs: MemberDataDirs,
  callback: (error: Error | null, found: MemberLog | null) => void,
): void {
  holdsFiles(dirs, (error, holds) => {
    if (error !== null) callback(error, null);
    else if (holds) inspectStorage(dirs, callback);
    else callback(null, nothing);
  });
}

function inspectStorage(
  dirs: MemberDataDirs,
  callback: (error: Error | null, found: MemberLog | null) => void,
): void {
  openMemberStorage(dirs, callback, (storage, recovered) => {
    storage.close((closeError) => {
      if (closeError !== null) callback(closeError, null);
      else
        callback(null, {
          ...summarize(recovered),
          log: termsOf(recovered),
          empty: holdsNothing(recovered),
        });
    });
  });
}

/**
 * The state after every entry in the log, committed or not, applied in order as a member
 * applies them: state entries through apply(), no-ops and configuration entries only
 * consuming their index (Member.skipped).
 */
export function stateThroughLog(recovered: Recovered, options: Partial<StateOptions>): State {
  const state =
    recovered.snapshot === null
      ? State.fresh(options)
      : decodeSnapshot(recovered.snapshot.state, options);
  for (const e of recovered.entries) {
    if (e.index <= state.lastZxid) continue;
    if (e.kind === EntryKind.normal) apply(state, e.index, decodeEntry(entryBytes(e.data)));
    else state.lastZxid = e.index;
  }
  return state;
}

export interface SeedRewrite {
  /** The log as it was before the rewrite. */
  before: LogSummary;
  /** Entries beyond what the member knew committed, kept as committed now. */
  uncertainEntries: number;
  /** The seed's new snapshot: its index and term. */
  snapshotIndex: number;
  snapshotTerm: number;
  znodes: number;
  sessions: number;
}

/**
 * Rewrites a stopped member's durable Raft state so that it seeds a new ensemble whose
 * configuration is `conf` (see the top of this file). Refuses (an Error, nothing written)
 * when the data holds nothing. `conf` must list the member as a voter.
 */
export function rewriteAsSeed(
  dirs: MemberDataDirs & { self: number; conf: ConfState; stateOptions: Partial<StateOptions> },
  callback: (error: Error | null, result: SeedRewrite | null) => void,
): void {
  if (!dirs.conf.voters.includes(dirs.self)) {
    callback(new Error(`member ${dirs.self} is not a voter of the new configuration`), null);
    return;
  }
  holdsFiles(dirs, (error, holds) => {
    if (error !== null) callback(error, null);
    else if (!holds) callback(new Error(nothingToSeed), null);
    else rewriteStorage(dirs, callback);
  });
}

const nothingToSeed = "the data directory holds no snapshot and no log: nothing to seed";

function rewriteStorage(
  dirs: MemberDataDirs & { self: number; conf: ConfState; stateOptions: Partial<StateOptions> },
  callback: (error: Error | null, result: SeedRewrite | null) => void,
): void {
  openMemberStorage(dirs, callback, (storage, recovered) => {
    const finish = (failure: Error | null, result: SeedRewrite | null): void =>
      storage.close((closeError) => {
        const e = failure ?? closeError;
        callback(e, e === null ? result : null);
      });
    if (holdsNothing(recovered)) {
      finish(new Error(nothingToSeed), null);
      return;
    }
    const before = summarize(recovered);
    let state: State;
    let image: Uint8Array;
    try {
      state = stateThroughLog(recovered, dirs.stateOptions);
      image = encodeSnapshot(state);
    } catch (err) {
      finish(err instanceof Error ? err : new Error(String(err)), null);
      return;
    }
    const meta = {
      lastIndex: before.lastIndex,
      lastTerm: before.lastTerm,
      config: encodeConfState(dirs.conf),
    };
    // Installed as a leader's snapshot is: durable first, then the log is dropped and
    // continues after it.
    storage.installSnapshot(meta, image, (installError) => {
      if (installError !== null) {
        finish(installError, null);
        return;
      }
      // A new term, so the vote can be forgotten (a vote never changes within a term).
      const hardState = {
        term: Math.max(before.term, before.lastTerm) + 1,
        vote: 0,
        commit: before.lastIndex,
      };
      storage.saveHardState(hardState, (saveError) =>
        finish(saveError, {
          before,
          uncertainEntries: before.lastIndex - before.commitIndex,
          snapshotIndex: meta.lastIndex,
          snapshotTerm: meta.lastTerm,
          znodes: state.tree.size,
          sessions: state.sessions.size,
        }),
      );
    });
  });
}
