// A member's durable storage: the write-ahead log, the hard state file and the snapshot
// files, opened together by recovery. This is what the server (and the simulator, on a
// SimDisk) talks to; docs/storage.md describes the files and the rules.
//
// Recovery (openStorage):
// 1. Snapshots are tried newest first; a damaged one is skipped with a warning and the next
//    older one is tried. Leftover temporary snapshot files are removed.
// 2. The log is read and checked (wal-open.ts): a torn tail of the last segment is cut with a
//    warning; damage anywhere else refuses to start. Segments the chosen snapshot covers
//    entirely are not read.
// 3. The chosen snapshot and the log must meet: the log may start at or before
//    snapshot.lastIndex + 1, never after (that would be a hole). Entries up to the snapshot
//    are dropped from what is returned. If the log ends before the snapshot, or holds a
//    different term at the snapshot's index (a crash between installing a leader's snapshot
//    and dropping the old log), the snapshot wins and the log restarts after it.
// 4. The hard state is read from its two-slot file.

import { assert } from "../base/assert.js";
import type { ByteParts } from "../base/byte-parts.js";
import { type Disk, type DiskError, joinPath } from "../base/disk.js";
import { removeFiles } from "./disk-files.js";
import { StorageCorruptionError } from "./errors.js";
import { HardStateFile } from "./hard-state-file.js";
import {
  isSnapshotTempName,
  parseSnapshotName,
  readSnapshotFile,
  snapshotChunkBytesDefault,
  snapshotName,
  writeSnapshotFile,
} from "./snapshot-file.js";
import type {
  HardState,
  LogEntry,
  SnapshotMeta,
  StorageCallback,
  StorageLogger,
  StoredSnapshot,
} from "./types.js";
import { type AppendCallback, type WriteAheadLog, walSegmentBytesMaxDefault } from "./wal.js";
import { openWal } from "./wal-open.js";

/** ZooKeeper's autopurge.snapRetainCount default, and its minimum. */
export const snapRetainCountDefault = 3;

export interface StorageOptions {
  disk: Disk;
  /** Where log segments and the hard state live (ZooKeeper's dataLogDir). */
  logDir: string;
  /** Where snapshots live (ZooKeeper's dataDir); may equal logDir. */
  snapDir: string;
  logger: StorageLogger;
  segmentBytesMax?: number;
  /** Snapshots kept by purge(); at least 3, as in ZooKeeper. */
  snapRetainCount?: number;
  snapshotChunkBytes?: number;
}

/** What recovery found: start the state machine from `snapshot`, then apply `entries`. */
export interface Recovered {
  snapshot: StoredSnapshot | null;
  /** Log entries after the snapshot, consecutive. */
  entries: LogEntry[];
  hardState: HardState;
}

export type OpenStorageCallback = (
  error: Error | null,
  storage: Storage | null,
  recovered: Recovered | null,
) => void;

export class Storage {
  readonly wal: WriteAheadLog;
  private readonly hardStateFile: HardStateFile;
  private readonly disk: Disk;
  private readonly snapDir: string;
  private readonly logger: StorageLogger;
  private readonly snapRetainCount: number;
  private readonly snapshotChunkBytes: number;
  /** lastIndex of every valid snapshot file on disk, ascending. */
  private readonly snapshots: number[];
  /** Snapshot files found damaged at recovery; purge removes them once they are old. */
  private readonly damagedSnapshots: number[];
  private snapshotInFlight = false;

  constructor(
    options: StorageOptions,
    wal: WriteAheadLog,
    hardStateFile: HardStateFile,
    snapshots: number[],
    damagedSnapshots: number[],
  ) {
    this.wal = wal;
    this.hardStateFile = hardStateFile;
    this.disk = options.disk;
    this.snapDir = options.snapDir;
    this.logger = options.logger;
    this.snapRetainCount = options.snapRetainCount ?? snapRetainCountDefault;
    this.snapshotChunkBytes = options.snapshotChunkBytes ?? snapshotChunkBytesDefault;
    this.snapshots = snapshots;
    this.damagedSnapshots = damagedSnapshots;
  }

  /** The disk error that stopped the log or the hard state, or null. */
  get failure(): DiskError | null {
    return this.wal.failure ?? this.hardStateFile.failure;
  }

  get hardState(): HardState {
    return this.hardStateFile.state;
  }

  /** Snapshot lastIndexes on disk, ascending. */
  snapshotIndexes(): readonly number[] {
    return this.snapshots;
  }

  /** Appends an entry; `callback` runs after the fsync that makes it durable. */
  append(
    index: number,
    term: number,
    kind: number,
    data: Uint8Array,
    callback: AppendCallback,
  ): void {
    this.wal.append(index, term, kind, data, callback);
  }

  appendEntry(entry: LogEntry, callback: AppendCallback): void {
    this.wal.append(entry.index, entry.term, entry.kind, entry.data, callback);
  }

  /** Removes the entries from `fromIndex` on (durably) before later appends. */
  truncateSuffix(fromIndex: number, callback: StorageCallback): void {
    this.wal.truncateSuffix(fromIndex, callback);
  }

  saveHardState(state: HardState, callback: StorageCallback): void {
    this.hardStateFile.save(state, callback);
  }

  /**
   * Saves a snapshot of the local state machine (covering entries the log already holds).
   * The log keeps working meanwhile; the file is written in chunks.
   */
  saveSnapshot(meta: SnapshotMeta, state: ByteParts, callback: StorageCallback): void {
    assert(meta.lastIndex < this.wal.nextAppendIndex, "snapshot beyond the end of the log");
    this.writeSnapshot(meta, state, callback);
  }

  /**
   * Installs a snapshot received from the leader: saves it, then drops the whole log, which
   * continues at meta.lastIndex + 1. The log is dropped only once the snapshot is durable
   * (a crash in between must not lose both), so appends after the snapshot wait for the
   * callback.
   */
  installSnapshot(meta: SnapshotMeta, state: ByteParts, callback: StorageCallback): void {
    this.writeSnapshot(meta, state, (error) => {
      if (error) {
        callback(error);
        return;
      }
      this.wal.reset(meta.lastIndex + 1, callback);
    });
  }

  private writeSnapshot(meta: SnapshotMeta, state: ByteParts, callback: StorageCallback): void {
    assert(!this.snapshotInFlight, "a snapshot is already being written");
    const newest = this.snapshots[this.snapshots.length - 1] ?? 0;
    assert(meta.lastIndex >= newest, `snapshot ${meta.lastIndex} older than snapshot ${newest}`);
    this.snapshotInFlight = true;
    writeSnapshotFile(this.disk, this.snapDir, meta, state, this.snapshotChunkBytes, (error) => {
      this.snapshotInFlight = false;
      if (error) {
        this.logger.error(`storage: writing snapshot ${meta.lastIndex} failed: ${error.message}`);
        callback(error);
        return;
      }
      if (this.snapshots[this.snapshots.length - 1] !== meta.lastIndex)
        this.snapshots.push(meta.lastIndex);
      callback(null);
    });
  }

  /**
   * Reads snapshot `lastIndex` back (for sending it to a follower that is too far behind).
   * Damage is reported as StorageCorruptionError.
   */
  readSnapshot(
    lastIndex: number,
    callback: (error: Error | null, snapshot: StoredSnapshot | null) => void,
  ): void {
    assert(this.snapshots.includes(lastIndex), `no snapshot ${lastIndex}`);
    const path = joinPath(this.snapDir, snapshotName(lastIndex));
    readSnapshotFile(this.disk, path, (error, result) => {
      if (error) callback(error, null);
      else if (typeof result === "string") callback(new StorageCorruptionError(path, result), null);
      else callback(null, result);
    });
  }

  /**
   * Applies the retention policy: keeps the newest snapRetainCount snapshots, removes older
   * snapshot files, then the log segments entirely covered by the oldest snapshot kept (so
   * recovery can still start from any snapshot kept).
   */
  purge(callback: StorageCallback): void {
    if (this.snapshots.length === 0) {
      this.disk.syncDir(this.snapDir, callback);
      return;
    }
    const keepFrom = Math.max(0, this.snapshots.length - this.snapRetainCount);
    const oldestKept = this.snapshots[keepFrom];
    const names: string[] = [];
    for (let i = 0; i < keepFrom; i++) names.push(snapshotName(this.snapshots[i]));
    const damaged = this.damagedSnapshots.filter((index) => index < oldestKept);
    for (const index of damaged) names.push(snapshotName(index));
    removeFiles(this.disk, this.snapDir, names, (error) => {
      if (error) {
        callback(error);
        return;
      }
      this.snapshots.splice(0, keepFrom);
      for (const index of damaged)
        this.damagedSnapshots.splice(this.damagedSnapshots.indexOf(index), 1);
      if (names.length > 0) {
        this.logger.info(
          `storage: purged ${names.length} snapshot file(s) older than snapshot ${oldestKept}`,
        );
      }
      this.wal.purge(oldestKept, callback);
    });
  }

  /** Finishes queued log work and closes the files. */
  close(callback: StorageCallback): void {
    this.wal.close((error) => {
      this.hardStateFile.close((closeError) => callback(error ?? closeError));
    });
  }
}

/** Recovers storage from its directories (creating them when missing). */
export function openStorage(options: StorageOptions, callback: OpenStorageCallback): void {
  const retain = options.snapRetainCount ?? snapRetainCountDefault;
  if (!Number.isInteger(retain) || retain < 3) {
    throw new RangeError(`snapRetainCount must be an integer >= 3, got ${retain}`);
  }
  const { disk, logger } = options;
  const fail = (error: Error): void => callback(error, null, null);
  // The snapshot is chosen first, so the log segments it covers need not be read.
  findSnapshot(options, (snapError, found) => {
    if (snapError) {
      fail(snapError);
      return;
    }
    openWal(
      {
        disk,
        dir: options.logDir,
        logger,
        segmentBytesMax: options.segmentBytesMax ?? walSegmentBytesMaxDefault,
      },
      (walError, wal, logEntries) => {
        if (walError) {
          fail(walError);
          return;
        }
        HardStateFile.open(disk, options.logDir, logger, (hsError, hardStateFile, hardState) => {
          if (hsError) {
            fail(hsError);
            return;
          }
          const storage = new Storage(options, wal!, hardStateFile!, found.valid, found.damaged);
          reconcile(options, wal!, found.snapshot, logEntries, (error, entries) => {
            if (error) fail(error);
            else callback(null, storage, { snapshot: found.snapshot, entries, hardState });
          });
        });
      },
      found.snapshot === null ? 0 : found.snapshot.meta.lastIndex,
    );
  });
}

interface FoundSnapshots {
  snapshot: StoredSnapshot | null;
  /** Valid (or not yet checked, older than the chosen one) snapshot indexes, ascending. */
  valid: number[];
  damaged: number[];
}

function findSnapshot(
  options: StorageOptions,
  callback: (error: Error | null, found: FoundSnapshots) => void,
): void {
  const { disk, snapDir, logger } = options;
  const found: FoundSnapshots = { snapshot: null, valid: [], damaged: [] };
  disk.mkdir(snapDir, (mkdirError) => {
    if (mkdirError) {
      callback(mkdirError, found);
      return;
    }
    disk.list(snapDir, (listError, names) => {
      if (listError) {
        callback(listError, found);
        return;
      }
      const temps = names.filter(isSnapshotTempName);
      const indexes = names
        .map(parseSnapshotName)
        .filter((i) => i >= 0)
        .sort((a, b) => b - a);
      let next = 0;
      const tryNext = (): void => {
        if (next === indexes.length) {
          found.valid.reverse();
          callback(null, found);
          return;
        }
        const index = indexes[next++];
        const path = joinPath(snapDir, snapshotName(index));
        if (found.snapshot !== null) {
          // Older than the chosen one: kept for purge accounting, read only if ever needed.
          found.valid.push(index);
          tryNext();
          return;
        }
        readSnapshotFile(disk, path, (error, result) => {
          if (error) {
            callback(error, found);
            return;
          }
          if (typeof result === "string") {
            logger.warn(
              `storage: skipping damaged snapshot ${path} (${result}); falling back to an older one`,
            );
            found.damaged.push(index);
          } else if (result.meta.lastIndex !== index) {
            logger.warn(
              `storage: skipping snapshot ${path}: it holds index ${result.meta.lastIndex}`,
            );
            found.damaged.push(index);
          } else {
            found.snapshot = result;
            found.valid.push(index);
          }
          tryNext();
        });
      };
      if (temps.length > 0) {
        logger.info(
          `storage: removing ${temps.length} unfinished snapshot file(s): ${temps.join(", ")}`,
        );
      }
      removeFiles(disk, snapDir, temps, (error) => {
        if (error) callback(error, found);
        else tryNext();
      });
    });
  });
}

function reconcile(
  options: StorageOptions,
  wal: WriteAheadLog,
  snapshot: StoredSnapshot | null,
  log: LogEntry[],
  callback: (error: Error | null, entries: LogEntry[]) => void,
): void {
  const snapIndex = snapshot === null ? 0 : snapshot.meta.lastIndex;
  const snapTerm = snapshot === null ? 0 : snapshot.meta.lastTerm;
  const first = wal.firstIndex;
  const restart = (reason: string): void => {
    options.logger.warn(`storage: ${reason}; the log restarts at index ${snapIndex + 1}`);
    wal.reset(snapIndex + 1, (error) => callback(error, []));
  };
  if (log.length === 0) {
    if (wal.nextAppendIndex === snapIndex + 1) callback(null, []);
    else if (wal.segmentInfo().length === 0) {
      // No segment at all: normal after installing a leader's snapshot, or on a fresh member.
      wal.reset(snapIndex + 1, (error) => callback(error, []));
    } else if (wal.nextAppendIndex <= snapIndex) {
      restart(`the log (next index ${wal.nextAppendIndex}) ends before snapshot ${snapIndex}`);
    } else {
      callback(
        new StorageCorruptionError(
          options.logDir,
          `the log continues at index ${wal.nextAppendIndex} but the newest valid snapshot ends at ${snapIndex}`,
        ),
        [],
      );
    }
    return;
  }
  if (first > snapIndex + 1) {
    const what =
      snapshot === null
        ? "there is no valid snapshot"
        : `the newest valid snapshot ends at ${snapIndex}`;
    callback(
      new StorageCorruptionError(
        options.logDir,
        `the log starts at index ${first} but ${what}: entries ${snapIndex + 1}..${first - 1} are missing`,
      ),
      [],
    );
    return;
  }
  const last = log[log.length - 1].index;
  if (last < snapIndex) {
    restart(`the log ends at ${last}, before snapshot ${snapIndex}`);
    return;
  }
  // The entries read start at the first segment recovery read, which may come after `first`
  // (segments a snapshot covers are not read).
  const logFirst = log[0].index;
  if (snapIndex >= logFirst) {
    const atSnapshot = log[snapIndex - logFirst];
    assert(atSnapshot.index === snapIndex, "recovered log entries are not consecutive");
    if (atSnapshot.term !== snapTerm) {
      restart(
        `the log has term ${atSnapshot.term} at index ${snapIndex}, the snapshot term ${snapTerm}`,
      );
      return;
    }
  }
  callback(null, snapIndex >= logFirst ? log.slice(snapIndex - logFirst + 1) : log);
}
