// The write-ahead log: Raft entries appended to segment files (format in wal-format.ts) with
// group commit, suffix truncation, purge of old segments and reset after a snapshot install.
//
// Group commit. Appends are encoded at once into the open batch's reusable buffer. While a
// write+fsync is in flight, every new append joins the next batch; when the flight lands,
// the whole next batch goes out as one write and one fsync. An append's callback runs only
// after the fsync that covers it succeeded, in append order. Costs per append: the encoded
// bytes and a slot in the callback array; no promise, no closure.
//
// Ordering. Batches and control operations (truncate, purge, reset, close) run one at a time
// in the order they were called, so the log on disk is always a prefix of what was asked
// for: a truncate queued after appends applies after them, and appends queued after a
// truncate land after it.
//
// Failure. The first disk error (ENOSPC, EIO...) fails the operation in flight with that
// error and every queued one with StorageFailedError, and the log refuses all later work
// (the callback then runs synchronously, inside the call). Nothing is written after a
// failure, so bytes already fsynced are never touched; whatever part of the failed write
// reached the disk lies after the last synced record and is cut as a torn tail by the next
// recovery (which also clears the failure).
//
// Durability of structure: a new segment gets its header written and fsynced and its
// directory entry synced before any record goes into it; truncation removes whole segments
// newest first, syncs the directory, then cuts the remaining segment and fsyncs it, so each
// step leaves a prefix of the old log.

import { assert, InvariantError } from "../base/assert.js";
import {
  type Disk,
  type DiskError,
  type DoneCallback,
  type FileHandle,
  joinPath,
  OpenMode,
} from "../base/disk.js";
import { viewOf } from "./bytes.js";
import { StorageFailedError } from "./errors.js";
import type { StorageLogger } from "./types.js";
import {
  encodeRecord,
  encodeSegmentHeader,
  recordFlagWriteStart,
  recordHeaderBytes,
  segmentHeaderBytes,
  segmentName,
} from "./wal-format.js";

export type AppendCallback = (error: Error | null) => void;

/** Default size at which the log starts a new segment (ZooKeeper preallocates 64 MiB too). */
export const walSegmentBytesMaxDefault = 64 * 1024 * 1024;
const batchBytesInitial = 64 * 1024;

/** A segment file the log knows about. The last one is the one appended to. */
export class Segment {
  readonly firstIndex: number;
  readonly name: string;
  /** Index of the last record; firstIndex - 1 when empty. */
  lastIndex: number;
  /** File size (where the next record goes). */
  size: number;
  /**
   * Byte offset of each record (record i has index firstIndex + i), for truncation; null for
   * a segment recovery did not read because a snapshot covers all of it (wal-open.ts). Such
   * a segment is never cut: truncation starts above the commit index, which is at or above
   * every snapshot.
   */
  offsets: number[] | null;

  constructor(firstIndex: number, lastIndex: number, size: number, offsets: number[] | null) {
    assert(lastIndex >= firstIndex - 1, "segment lastIndex below firstIndex - 1");
    assert(
      offsets === null || offsets.length === lastIndex - firstIndex + 1,
      "segment offsets do not match its records",
    );
    this.firstIndex = firstIndex;
    this.name = segmentName(firstIndex);
    this.lastIndex = lastIndex;
    this.size = size;
    this.offsets = offsets;
  }
}

/** Appends waiting for (or in) one write+fsync. Reused: the log keeps spare batches. */
class Batch {
  bytes = new Uint8Array(batchBytesInitial);
  view = viewOf(this.bytes);
  used = 0;
  firstIndex = 0;
  count = 0;
  /** Offsets of the records inside `bytes`. */
  readonly recordOffsets: number[] = [];
  readonly callbacks: AppendCallback[] = [];

  reserve(extra: number): void {
    const needed = this.used + extra;
    if (needed <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const bigger = new Uint8Array(capacity);
    bigger.set(this.bytes.subarray(0, this.used));
    this.bytes = bigger;
    this.view = viewOf(bigger);
  }

  reset(): void {
    this.used = 0;
    this.firstIndex = 0;
    this.count = 0;
    this.recordOffsets.length = 0;
    this.callbacks.length = 0;
    // A one-off huge batch should not pin its buffer forever.
    if (this.bytes.length > 16 * batchBytesInitial) {
      this.bytes = new Uint8Array(batchBytesInitial);
      this.view = viewOf(this.bytes);
    }
  }
}

const ControlKind = { truncate: 0, purge: 1, reset: 2, close: 3 } as const;
type ControlKind = (typeof ControlKind)[keyof typeof ControlKind];

class Control {
  constructor(
    readonly kind: ControlKind,
    readonly index: number,
    readonly callback: (error: Error | null) => void,
  ) {}
}

export interface WalOptions {
  disk: Disk;
  dir: string;
  logger: StorageLogger;
  /** A segment at least this big is closed and a new one started before the next batch. */
  segmentBytesMax?: number;
}

export class WriteAheadLog {
  private readonly disk: Disk;
  readonly dir: string;
  private readonly logger: StorageLogger;
  private readonly segmentBytesMax: number;
  private readonly segments: Segment[];
  /** The open last segment, or -1 when there is no segment (or it is not open yet). */
  private file: FileHandle;
  private readonly queue: (Batch | Control)[] = [];
  private readonly spare: Batch[] = [];
  /** The batch appends currently join (the last queued op when it is a batch), or null. */
  private open: Batch | null = null;
  private flying: Batch | null = null;
  private busy = false;
  private closed = false;
  private failed: DiskError | null = null;
  /** Index the next append() must carry: counts queued work, not only what is on disk. */
  private nextIndex: number;
  /** Where the log starts while it has no segment (the first append will create one). */
  private emptyStart: number;

  /** Counters for tests and metrics. */
  readonly stats = { appends: 0, batches: 0, fsyncs: 0, bytesWritten: 0 };

  /**
   * Built by openWal() (wal-open.ts) from what recovery found. `file` is the open handle of
   * the last segment (or -1 if there is none); `nextIndex` is where appends continue.
   */
  constructor(options: WalOptions, segments: Segment[], file: FileHandle, nextIndex: number) {
    this.disk = options.disk;
    this.dir = options.dir;
    this.logger = options.logger;
    this.segmentBytesMax = options.segmentBytesMax ?? walSegmentBytesMaxDefault;
    assert(this.segmentBytesMax > segmentHeaderBytes, "segmentBytesMax too small");
    this.segments = segments;
    this.file = file;
    this.nextIndex = nextIndex;
    this.emptyStart = nextIndex;
    assert(nextIndex >= 1, "WAL nextIndex must be >= 1");
    assert(
      (segments.length === 0) === file < 0,
      "WAL needs an open last segment exactly when it has segments",
    );
    const last = segments[segments.length - 1];
    assert(
      last === undefined || last.lastIndex + 1 === nextIndex,
      "WAL nextIndex must follow the last segment",
    );
    assert(last === undefined || last.offsets !== null, "WAL's last segment was not read");
  }

  /** The error that stopped the log, or null while it works. */
  get failure(): DiskError | null {
    return this.failed;
  }

  /** Index the next append must have. */
  get nextAppendIndex(): number {
    return this.nextIndex;
  }

  /** First index still on disk (or the next append's index if the log is empty). */
  get firstIndex(): number {
    return this.segments.length === 0 ? this.emptyStart : this.segments[0].firstIndex;
  }

  /** Names and ranges of the segments on disk, oldest first. For tests and status pages. */
  segmentInfo(): { name: string; firstIndex: number; lastIndex: number; size: number }[] {
    return this.segments.map((s) => ({
      name: s.name,
      firstIndex: s.firstIndex,
      lastIndex: s.lastIndex,
      size: s.size,
    }));
  }

  /**
   * Appends one entry. `index` must be nextAppendIndex. `data` is copied before the call
   * returns. `callback` runs once the entry is fsynced, or with the error that prevented it.
   */
  append(
    index: number,
    term: number,
    kind: number,
    data: Uint8Array,
    callback: AppendCallback,
  ): void {
    if (this.refuse(callback)) return;
    // Invariants checked with ifs so that no message string is built per append.
    if (index !== this.nextIndex)
      throw new InvariantError(`WAL append of index ${index}, expected ${this.nextIndex}`);
    if (!(Number.isSafeInteger(term) && term >= 0))
      throw new InvariantError(`WAL append with bad term ${term}`);
    let batch = this.open;
    if (batch === null) {
      batch = this.spare.pop() ?? new Batch();
      batch.firstIndex = index;
      this.open = batch;
      this.queue.push(batch);
    }
    batch.reserve(recordHeaderBytes + data.length);
    batch.recordOffsets.push(batch.used);
    const flags = batch.count === 0 ? recordFlagWriteStart : 0;
    batch.used = encodeRecord(batch.bytes, batch.view, batch.used, index, term, kind, flags, data);
    batch.count++;
    batch.callbacks.push(callback);
    this.nextIndex++;
    this.stats.appends++;
    if (!this.busy) this.kick();
  }

  /**
   * Removes every entry with index >= fromIndex (Raft conflict resolution). Appends made
   * after this call continue at fromIndex.
   */
  truncateSuffix(fromIndex: number, callback: DoneCallbackLike): void {
    if (this.refuse(callback)) return;
    assert(
      fromIndex >= 1 && fromIndex <= this.nextIndex,
      `WAL truncate from ${fromIndex}, next is ${this.nextIndex}`,
    );
    assert(
      fromIndex >= this.firstIndex,
      `WAL truncate from ${fromIndex} below the first index ${this.firstIndex}`,
    );
    this.nextIndex = fromIndex;
    this.enqueue(new Control(ControlKind.truncate, fromIndex, callback));
  }

  /**
   * Removes segments all of whose entries are <= throughIndex, except the last segment.
   * The entries left still start at or before throughIndex + 1.
   */
  purge(throughIndex: number, callback: DoneCallbackLike): void {
    if (this.refuse(callback)) return;
    this.enqueue(new Control(ControlKind.purge, throughIndex, callback));
  }

  /**
   * Drops the whole log and continues at nextIndex: after a snapshot that covers everything
   * the log holds (installed from a leader) has been made durable.
   */
  reset(nextIndex: number, callback: DoneCallbackLike): void {
    if (this.refuse(callback)) return;
    assert(nextIndex >= 1, "WAL reset to an index below 1");
    this.nextIndex = nextIndex;
    this.emptyStart = nextIndex;
    this.enqueue(new Control(ControlKind.reset, nextIndex, callback));
  }

  /**
   * Finishes queued work, then closes the segment file. The log accepts nothing after. A
   * failed log just releases its file.
   */
  close(callback: DoneCallbackLike): void {
    assert(!this.closed, "WAL closed twice");
    if (this.failed !== null) {
      this.closed = true;
      const file = this.file;
      this.file = -1;
      if (file >= 0) this.disk.close(file, callback);
      else this.disk.syncDir(this.dir, callback);
      return;
    }
    this.enqueue(new Control(ControlKind.close, 0, callback));
    this.closed = true;
  }

  private refuse(callback: (error: Error | null) => void): boolean {
    if (this.failed !== null) {
      callback(new StorageFailedError(this.failed));
      return true;
    }
    assert(!this.closed, "WAL used after close()");
    return false;
  }

  private enqueue(control: Control): void {
    this.open = null;
    this.queue.push(control);
    if (!this.busy) this.kick();
  }

  /** Starts the next queued operation. */
  private kick(): void {
    assert(!this.busy, "WAL kick while busy");
    const op = this.queue.shift();
    if (op === undefined) return;
    this.busy = true;
    if (op instanceof Batch) {
      if (this.open === op) this.open = null;
      this.flying = op;
      this.startBatch();
    } else {
      this.runControl(op);
    }
  }

  private finish(): void {
    this.busy = false;
    if (this.queue.length > 0) this.kick();
  }

  // ---- group commit: one write, one fsync -------------------------------------------

  private startBatch(): void {
    const batch = this.flying!;
    const last = this.segments[this.segments.length - 1];
    if (last === undefined) {
      this.createSegment(batch.firstIndex, this.writeBatch);
    } else if (last.size >= this.segmentBytesMax && last.lastIndex >= last.firstIndex) {
      // Roll: the old segment is fully synced (every batch is), so just close it.
      const old = this.file;
      this.file = -1;
      this.disk.close(old, (error) => {
        if (error) return this.fail(error);
        this.createSegment(batch.firstIndex, this.writeBatch);
      });
    } else {
      this.writeBatch();
    }
  }

  private readonly writeBatch = (): void => {
    const batch = this.flying!;
    const segment = this.segments[this.segments.length - 1];
    assert(segment.lastIndex + 1 === batch.firstIndex, "WAL batch does not follow its segment");
    this.stats.batches++;
    this.stats.bytesWritten += batch.used;
    this.disk.write(this.file, batch.bytes, 0, batch.used, segment.size, this.onBatchWritten);
  };

  private readonly onBatchWritten = (error: DiskError | null): void => {
    if (error) {
      this.fail(error);
      return;
    }
    const batch = this.flying!;
    const segment = this.segments[this.segments.length - 1];
    // The last segment is always one recovery read (or one this log created).
    const offsets = segment.offsets!;
    for (let i = 0; i < batch.count; i++) offsets.push(segment.size + batch.recordOffsets[i]);
    segment.size += batch.used;
    segment.lastIndex += batch.count;
    this.stats.fsyncs++;
    this.disk.sync(this.file, this.onBatchSynced);
  };

  private readonly onBatchSynced = (error: DiskError | null): void => {
    if (error) {
      this.fail(error);
      return;
    }
    const batch = this.flying!;
    this.flying = null;
    const callbacks = batch.callbacks;
    for (let i = 0; i < callbacks.length; i++) callbacks[i](null);
    batch.reset();
    this.spare.push(batch);
    this.finish();
  };

  /** Creates segment `firstIndex` durably (header fsynced, directory synced), then `next`. */
  private createSegment(firstIndex: number, next: () => void): void {
    const path = joinPath(this.dir, segmentName(firstIndex));
    const header = encodeSegmentHeader(firstIndex);
    this.disk.open(path, OpenMode.createTruncate, (openError, file) => {
      if (openError) return this.fail(openError);
      this.file = file;
      this.disk.write(file, header, 0, header.length, 0, (writeError) => {
        if (writeError) return this.fail(writeError);
        this.disk.sync(file, (syncError) => {
          if (syncError) return this.fail(syncError);
          this.disk.syncDir(this.dir, (dirError) => {
            if (dirError) return this.fail(dirError);
            this.segments.push(new Segment(firstIndex, firstIndex - 1, header.length, []));
            next();
          });
        });
      });
    });
  }

  // ---- control operations --------------------------------------------------------------

  private runControl(op: Control): void {
    const done = (error: DiskError | null): void => {
      if (error) {
        this.fail(error, op);
        return;
      }
      op.callback(null);
      this.finish();
    };
    switch (op.kind) {
      case ControlKind.truncate:
        this.runTruncate(op.index, done);
        return;
      case ControlKind.purge:
        this.runPurge(op.index, done);
        return;
      case ControlKind.reset:
        this.removeFrom(0, done);
        return;
      case ControlKind.close: {
        if (this.file < 0) {
          this.disk.syncDir(this.dir, done);
          return;
        }
        const file = this.file;
        this.file = -1;
        this.disk.close(file, done);
        return;
      }
    }
  }

  private runTruncate(fromIndex: number, done: DoneCallback): void {
    // Whole segments at or after fromIndex go first (newest first), then the segment that
    // holds fromIndex is cut at that record.
    let keep = this.segments.length;
    while (keep > 0 && this.segments[keep - 1].firstIndex >= fromIndex) keep--;
    this.removeFrom(keep, (error) => {
      if (error) return done(error);
      const last = this.segments[this.segments.length - 1];
      if (last === undefined) return done(null);
      // The new last segment takes appends, so it must be one recovery read.
      assert(last.offsets !== null, `WAL truncate from ${fromIndex} into a segment not read`);
      if (last.lastIndex < fromIndex) return done(null);
      const offsets = last.offsets;
      const cut = offsets[fromIndex - last.firstIndex];
      assert(cut >= segmentHeaderBytes && cut < last.size, "WAL truncation offset out of range");
      this.ensureLastOpen((openError) => {
        if (openError) return done(openError);
        this.disk.truncate(this.file, cut, (truncateError) => {
          if (truncateError) return done(truncateError);
          this.disk.sync(this.file, (syncError) => {
            if (syncError) return done(syncError);
            offsets.length = fromIndex - last.firstIndex;
            last.lastIndex = fromIndex - 1;
            last.size = cut;
            done(null);
          });
        });
      });
    });
  }

  /** Removes segments[keep..] newest first, syncs the directory, reopens the new last one. */
  private removeFrom(keep: number, done: DoneCallback): void {
    if (keep >= this.segments.length) {
      this.ensureLastOpen(done);
      return;
    }
    const step = (error: DiskError | null): void => {
      if (error) {
        done(error);
        return;
      }
      if (this.segments.length === keep) {
        this.disk.syncDir(this.dir, (dirError) => {
          if (dirError) return done(dirError);
          this.ensureLastOpen(done);
        });
        return;
      }
      const victim = this.segments.pop()!;
      this.disk.remove(joinPath(this.dir, victim.name), step);
    };
    if (this.file >= 0) {
      const file = this.file;
      this.file = -1;
      this.disk.close(file, step);
    } else {
      step(null);
    }
  }

  /** Opens the last segment for appending if it is not open. */
  private ensureLastOpen(done: DoneCallback): void {
    const last = this.segments[this.segments.length - 1];
    if (last === undefined || this.file >= 0) {
      this.disk.syncDir(this.dir, done);
      return;
    }
    this.disk.open(joinPath(this.dir, last.name), OpenMode.readWrite, (error, file) => {
      if (error) return done(error);
      this.file = file;
      done(null);
    });
  }

  private runPurge(throughIndex: number, done: DoneCallback): void {
    let count = 0;
    while (count < this.segments.length - 1 && this.segments[count].lastIndex <= throughIndex)
      count++;
    const names = this.segments.slice(0, count).map((s) => s.name);
    // Oldest first, so that whatever a crash leaves is a contiguous suffix of the log.
    let next = 0;
    const step = (error: DiskError | null): void => {
      if (error) {
        done(error);
        return;
      }
      if (next === names.length) {
        this.segments.splice(0, count);
        if (count > 0)
          this.logger.info(`storage: purged ${count} WAL segment(s) through index ${throughIndex}`);
        this.disk.syncDir(this.dir, done);
        return;
      }
      this.disk.remove(joinPath(this.dir, names[next++]), step);
    };
    step(null);
  }

  // ---- failure ---------------------------------------------------------------------------

  private fail(error: DiskError, control: Control | null = null): void {
    if (this.failed === null) {
      this.failed = error;
      this.logger.error(
        `storage: write-ahead log failed, refusing further writes until restart: ${error.message}`,
      );
    }
    const batch = this.flying;
    this.flying = null;
    this.open = null;
    if (batch !== null) {
      for (const callback of batch.callbacks) callback(error);
      batch.reset();
    }
    if (control !== null) control.callback(error);
    const refused = new StorageFailedError(error);
    for (const op of this.queue.splice(0)) {
      if (op instanceof Batch) for (const callback of op.callbacks) callback(refused);
      else op.callback(refused);
    }
    this.busy = false;
  }
}

type DoneCallbackLike = (error: Error | null) => void;
