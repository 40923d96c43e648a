// An in-memory Disk for the deterministic simulator and for storage tests. It keeps what a
// real disk would have after a crash apart from what the process currently sees:
//
// - Each file remembers the changes (writes, truncations) made since its last successful
//   sync, with the bytes they replaced, so a crash can undo them. crash() keeps a random
//   prefix of those changes per file, and may keep only a prefix of the first change it
//   drops when that change is a write: a torn write. With scrambledTears, a torn write may
//   instead keep any subset of its sectors, with or without its new file size, as a disk
//   that reorders writes within a flush can.
// - Each directory remembers the entry changes (create, rename, remove) made since its last
//   syncDir; a crash keeps a random prefix of them, so a file created or renamed without a
//   directory sync may vanish or revert.
// - Directories themselves are durable as soon as mkdir succeeds (storage code still syncs
//   the parent; the simplification only makes the simulator a little kinder there).
//
// Every operation takes effect when its completion runs, which the injected scheduler
// decides (with a latency drawn from the seeded Random), so the simulator interleaves disk
// completions with everything else. After crash() no pending completion runs and every
// handle is invalid, as if the process had died. Faults: one-shot errors for the next
// operation of a kind, a random EIO rate, and a capacity that makes writes fail with ENOSPC
// after writing what fits.

import {
  type CountCallback,
  type Disk,
  DiskError,
  type DoneCallback,
  type FileHandle,
  type ListCallback,
  type OpenCallback,
  OpenMode,
} from "../base/disk.js";
import type { Random } from "../base/random.js";

/** Runs `run` after `latencyMs` of simulated time (the simulator owns the event queue). */
export type SimDiskScheduler = (run: () => void, latencyMs: number) => void;

export type SimDiskOperation =
  | "open"
  | "close"
  | "write"
  | "read"
  | "sync"
  | "truncate"
  | "size"
  | "list"
  | "rename"
  | "remove"
  | "syncDir"
  | "mkdir";

export interface SimDiskOptions {
  random: Random;
  schedule: SimDiskScheduler;
  /** Latency range of every operation, in simulated milliseconds. Default 0..0. */
  latencyMsMin?: number;
  latencyMsMax?: number;
  /** Total bytes all files may hold; writes beyond fail with ENOSPC. Default unlimited. */
  capacityBytes?: number;
  /** Probability in [0, 1] that a write, read or sync fails with EIO. Default 0. */
  ioErrorRate?: number;
  /** Whether crash() may keep a prefix of a write (true) or only whole writes. Default true. */
  tornWrites?: boolean;
  /**
   * Whether a torn write may keep any subset of its 512-byte sectors instead of a prefix,
   * as a disk that reorders its writes does. Default false.
   */
  scrambledTears?: boolean;
}

/** What a change replaced, so that a crash can undo it. */
interface Change {
  /** true for a write, false for a truncation. */
  readonly write: boolean;
  /** Write: the position written; truncation: the new size. */
  readonly position: number;
  /** Write: bytes written; truncation: 0. */
  readonly length: number;
  /** File length before the change. */
  readonly oldLength: number;
  /** The bytes in [position, min(position + length, oldLength)) (write) or [position, oldLength) (truncation) before the change. */
  readonly oldBytes: Uint8Array;
}

class Inode {
  /** Bytes beyond `length` are always zero. */
  data = new Uint8Array(0);
  length = 0;
  unsynced: Change[] = [];
  syncCount = 0;

  ensureCapacity(size: number): void {
    if (size <= this.data.length) return;
    let capacity = Math.max(64, this.data.length);
    while (capacity < size) capacity *= 2;
    const bigger = new Uint8Array(capacity);
    bigger.set(this.data.subarray(0, this.length));
    this.data = bigger;
  }

  /** Sets the length; bytes beyond the new length are zeroed to keep the invariant. */
  setLength(size: number): void {
    if (size < this.length) this.data.fill(0, size, this.length);
    else this.ensureCapacity(size);
    this.length = size;
  }

  writeAt(data: Uint8Array, position: number): void {
    const end = position + data.length;
    const oldLength = this.length;
    const oldBytes = this.data.slice(position, Math.min(end, oldLength));
    this.unsynced.push({ write: true, position, length: data.length, oldLength, oldBytes });
    if (end > this.length) this.setLength(end);
    this.data.set(data, position);
  }

  truncateTo(size: number): void {
    const oldLength = this.length;
    const oldBytes = size < oldLength ? this.data.slice(size, oldLength) : new Uint8Array(0);
    this.unsynced.push({ write: false, position: size, length: 0, oldLength, oldBytes });
    this.setLength(size);
  }

  /**
   * Undoes a write except for the sectors `keep` selects (sectors are aligned to file
   * offsets). The length becomes the old length, the end of the last kept sector, or the
   * write's end (size persisted, some data not), as `lengthChoice` (0, 1, 2) says.
   */
  undoSectors(
    change: Change,
    sectorBytes: number,
    keep: (sector: number) => boolean,
    lengthChoice: number,
  ): void {
    const end = change.position + change.length;
    let keptEnd = change.oldLength;
    for (let from = change.position; from < end; ) {
      const to = Math.min(end, (Math.floor(from / sectorBytes) + 1) * sectorBytes);
      if (keep(Math.floor(from / sectorBytes))) {
        keptEnd = Math.max(keptEnd, to);
      } else {
        const oldEnd = Math.min(to, change.oldLength);
        if (oldEnd > from)
          this.data.set(
            change.oldBytes.subarray(from - change.position, oldEnd - change.position),
            from,
          );
        const zeroFrom = Math.max(from, change.oldLength);
        if (to > zeroFrom) this.data.fill(0, zeroFrom, to);
      }
      from = to;
    }
    const length =
      lengthChoice === 0
        ? change.oldLength
        : lengthChoice === 1
          ? keptEnd
          : Math.max(end, change.oldLength);
    this.setLength(length);
  }

  undo(change: Change, keptBytes: number): void {
    if (change.write) {
      const restoreFrom = change.position + keptBytes;
      const restoreEnd = Math.min(change.position + change.length, change.oldLength);
      if (restoreEnd > restoreFrom) {
        this.data.set(
          change.oldBytes.subarray(keptBytes, keptBytes + restoreEnd - restoreFrom),
          restoreFrom,
        );
      }
      this.setLength(Math.max(change.oldLength, change.position + keptBytes));
    } else {
      this.setLength(change.oldLength);
      this.data.set(change.oldBytes, change.position);
    }
  }
}

interface DirChange {
  readonly path: string;
  /** null: the entry was removed. */
  readonly inode: Inode | null;
}

export function normalizePath(path: string): string {
  let p = path.replace(/\/+/g, "/");
  if (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  return p;
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  if (slash < 0) return ".";
  return slash === 0 ? "/" : path.slice(0, slash);
}

interface Handle {
  readonly inode: Inode;
  readonly path: string;
  readonly writable: boolean;
}

export class SimDisk implements Disk {
  private readonly random: Random;
  private readonly schedule: SimDiskScheduler;
  private readonly latencyMsMin: number;
  private readonly latencyMsMax: number;
  capacityBytes: number;
  ioErrorRate: number;
  tornWrites: boolean;
  scrambledTears: boolean;

  private readonly files = new Map<string, Inode>();
  private readonly durableFiles = new Map<string, Inode>();
  private readonly dirChanges = new Map<string, DirChange[]>();
  private readonly dirs = new Set<string>([".", "/"]);
  private readonly handles = new Map<FileHandle, Handle>();
  private nextHandle = 3;
  /** Bumped by crash(): completions scheduled in an older epoch never run. */
  private epoch = 0;
  private readonly oneShotFaults: {
    operation: SimDiskOperation;
    code: string;
    path: string | null;
  }[] = [];

  /** Operation counters, for tests (for example: how many fsyncs a group commit cost). */
  readonly counts: Record<SimDiskOperation, number> = {
    open: 0,
    close: 0,
    write: 0,
    read: 0,
    sync: 0,
    truncate: 0,
    size: 0,
    list: 0,
    rename: 0,
    remove: 0,
    syncDir: 0,
    mkdir: 0,
  };
  /** Operations started whose completion has not run yet. */
  pendingOperations = 0;

  constructor(options: SimDiskOptions) {
    this.random = options.random;
    this.schedule = options.schedule;
    this.latencyMsMin = options.latencyMsMin ?? 0;
    this.latencyMsMax = options.latencyMsMax ?? this.latencyMsMin;
    if (!(this.latencyMsMin >= 0 && this.latencyMsMax >= this.latencyMsMin)) {
      throw new RangeError("SimDisk latency range must satisfy 0 <= min <= max");
    }
    this.capacityBytes = options.capacityBytes ?? Number.POSITIVE_INFINITY;
    this.ioErrorRate = options.ioErrorRate ?? 0;
    this.tornWrites = options.tornWrites ?? true;
    this.scrambledTears = options.scrambledTears ?? false;
  }

  /** Makes the next `operation` (optionally only on `path`) fail with `code`. */
  failNext(operation: SimDiskOperation, code: string, path: string | null = null): void {
    this.oneShotFaults.push({ operation, code, path: path === null ? null : normalizePath(path) });
  }

  /** Forgets every armed one-shot fault (the disk is healthy again, as after a repair). */
  clearFaults(): void {
    this.oneShotFaults.length = 0;
  }

  /** How many one-shot faults are armed and not yet taken. */
  get armedFaults(): number {
    return this.oneShotFaults.length;
  }

  /** Bytes held by all files. */
  usedBytes(): number {
    let used = 0;
    for (const inode of new Set(this.files.values())) used += inode.length;
    return used;
  }

  /**
   * The process dies: pending completions never run, handles close, and every file and
   * directory loses a random suffix of its unsynced changes (possibly tearing a write).
   */
  crash(): void {
    this.epoch++;
    this.pendingOperations = 0;
    this.handles.clear();
    for (const [dir, changes] of this.dirChanges) {
      const kept = this.random.below(changes.length + 1);
      for (let i = 0; i < kept; i++) this.applyDirChange(this.durableFiles, changes[i]);
      this.dirChanges.delete(dir);
    }
    const inodes = new Set([...this.files.values(), ...this.durableFiles.values()]);
    for (const inode of inodes) this.loseUnsynced(inode);
    this.files.clear();
    for (const [path, inode] of this.durableFiles) this.files.set(path, inode);
  }

  private loseUnsynced(inode: Inode): void {
    const changes = inode.unsynced;
    if (changes.length === 0) return;
    const kept = this.random.below(changes.length + 1);
    for (let i = changes.length - 1; i > kept; i--) inode.undo(changes[i], 0);
    if (kept < changes.length) {
      const first = changes[kept];
      if (first.write && this.tornWrites && this.scrambledTears && this.random.below(2) === 0) {
        inode.undoSectors(first, 512, () => this.random.below(2) === 0, this.random.below(3));
      } else {
        const torn = first.write && this.tornWrites ? this.random.below(first.length + 1) : 0;
        inode.undo(first, torn);
      }
    }
    inode.unsynced = [];
  }

  /** A file's current bytes (what a read would see), or undefined. For tests. */
  peek(path: string): Uint8Array | undefined {
    const inode = this.files.get(normalizePath(path));
    return inode === undefined ? undefined : inode.data.slice(0, inode.length);
  }

  /** Overwrites bytes of a file in place and durably, as bit rot would. For tests. */
  corrupt(path: string, position: number, bytes: Uint8Array): void {
    const inode = this.files.get(normalizePath(path));
    if (inode === undefined) throw new Error(`SimDisk.corrupt: no file ${path}`);
    if (position + bytes.length > inode.length) throw new RangeError("SimDisk.corrupt beyond end");
    // Meant for synced files: the change is not recorded, so a crash keeps it.
    inode.data.set(bytes, position);
  }

  /** Durably cuts a file, as a lost tail would. For tests. */
  chop(path: string, size: number): void {
    const inode = this.files.get(normalizePath(path));
    if (inode === undefined) throw new Error(`SimDisk.chop: no file ${path}`);
    inode.setLength(Math.min(size, inode.length));
    inode.unsynced = [];
  }

  private applyDirChange(map: Map<string, Inode>, change: DirChange): void {
    if (change.inode === null) map.delete(change.path);
    else map.set(change.path, change.inode);
  }

  private recordDirChange(path: string, inode: Inode | null): void {
    const change = { path, inode };
    this.applyDirChange(this.files, change);
    const dir = parentOf(path);
    let changes = this.dirChanges.get(dir);
    if (changes === undefined) {
      changes = [];
      this.dirChanges.set(dir, changes);
    }
    changes.push(change);
  }

  private takeFault(operation: SimDiskOperation, path: string, randomEio: boolean): string | null {
    for (let i = 0; i < this.oneShotFaults.length; i++) {
      const fault = this.oneShotFaults[i];
      if (fault.operation === operation && (fault.path === null || fault.path === path)) {
        this.oneShotFaults.splice(i, 1);
        return fault.code;
      }
    }
    if (
      randomEio &&
      this.ioErrorRate > 0 &&
      this.random.below(1_000_000) < this.ioErrorRate * 1_000_000
    ) {
      return "EIO";
    }
    return null;
  }

  private later(operation: SimDiskOperation, run: () => void): void {
    this.counts[operation]++;
    this.pendingOperations++;
    const epoch = this.epoch;
    const span = this.latencyMsMax - this.latencyMsMin;
    const latency = this.latencyMsMin + (span > 0 ? this.random.below(span + 1) : 0);
    this.schedule(() => {
      if (epoch !== this.epoch) return;
      this.pendingOperations--;
      run();
    }, latency);
  }

  private handle(file: FileHandle, operation: string): Handle | DiskError {
    const handle = this.handles.get(file);
    return handle ?? new DiskError("EBADF", operation, `#${file}`);
  }

  open(path: string, mode: OpenMode, callback: OpenCallback): void {
    const p = normalizePath(path);
    this.later("open", () => {
      const fault = this.takeFault("open", p, false);
      if (fault !== null) return callback(new DiskError(fault, "open", p), -1);
      if (this.dirs.has(p)) return callback(new DiskError("EISDIR", "open", p), -1);
      let inode = this.files.get(p);
      if (inode === undefined) {
        if (mode === OpenMode.read || mode === OpenMode.readWrite) {
          return callback(new DiskError("ENOENT", "open", p), -1);
        }
        if (!this.dirs.has(parentOf(p))) return callback(new DiskError("ENOENT", "open", p), -1);
        inode = new Inode();
        this.recordDirChange(p, inode);
      } else if (mode === OpenMode.createTruncate && inode.length > 0) {
        inode.truncateTo(0);
      }
      const file = this.nextHandle++;
      this.handles.set(file, { inode, path: p, writable: mode !== OpenMode.read });
      callback(null, file);
    });
  }

  close(file: FileHandle, callback: DoneCallback): void {
    this.later("close", () => {
      const handle = this.handle(file, "close");
      if (handle instanceof DiskError) return callback(handle);
      this.handles.delete(file);
      callback(null);
    });
  }

  write(
    file: FileHandle,
    data: Uint8Array,
    offset: number,
    length: number,
    position: number,
    callback: DoneCallback,
  ): void {
    this.later("write", () => {
      const handle = this.handle(file, "write");
      if (handle instanceof DiskError) return callback(handle);
      if (!handle.writable) return callback(new DiskError("EBADF", "write", handle.path));
      const inode = handle.inode;
      const fault = this.takeFault("write", handle.path, true);
      let count = length;
      let code = fault;
      const growth = Math.max(0, position + length - inode.length);
      const room = this.capacityBytes - this.usedBytes();
      if (growth > room) {
        // Like a real file system: what fits is written, then the write fails.
        count = Math.max(0, Math.min(length, inode.length + room - position));
        code = "ENOSPC";
      } else if (fault !== null) {
        // A failing write may still have written part of its data.
        count = this.random.below(length + 1);
      }
      if (count > 0) inode.writeAt(data.slice(offset, offset + count), position);
      callback(code === null ? null : new DiskError(code, "write", handle.path));
    });
  }

  read(
    file: FileHandle,
    target: Uint8Array,
    offset: number,
    length: number,
    position: number,
    callback: CountCallback,
  ): void {
    this.later("read", () => {
      const handle = this.handle(file, "read");
      if (handle instanceof DiskError) return callback(handle, 0);
      const fault = this.takeFault("read", handle.path, true);
      if (fault !== null) return callback(new DiskError(fault, "read", handle.path), 0);
      const inode = handle.inode;
      const count = Math.max(0, Math.min(length, inode.length - position));
      if (count > 0) target.set(inode.data.subarray(position, position + count), offset);
      callback(null, count);
    });
  }

  sync(file: FileHandle, callback: DoneCallback): void {
    this.later("sync", () => {
      const handle = this.handle(file, "fsync");
      if (handle instanceof DiskError) return callback(handle);
      const fault = this.takeFault("sync", handle.path, true);
      // A failed fsync leaves the changes unsynced: a later crash may still lose them.
      if (fault !== null) return callback(new DiskError(fault, "fsync", handle.path));
      handle.inode.unsynced = [];
      handle.inode.syncCount++;
      callback(null);
    });
  }

  truncate(file: FileHandle, size: number, callback: DoneCallback): void {
    this.later("truncate", () => {
      const handle = this.handle(file, "truncate");
      if (handle instanceof DiskError) return callback(handle);
      if (!handle.writable) return callback(new DiskError("EBADF", "truncate", handle.path));
      const fault = this.takeFault("truncate", handle.path, false);
      if (fault !== null) return callback(new DiskError(fault, "truncate", handle.path));
      const inode = handle.inode;
      if (size > inode.length && size - inode.length > this.capacityBytes - this.usedBytes()) {
        return callback(new DiskError("ENOSPC", "truncate", handle.path));
      }
      if (size !== inode.length) inode.truncateTo(size);
      callback(null);
    });
  }

  size(file: FileHandle, callback: CountCallback): void {
    this.later("size", () => {
      const handle = this.handle(file, "fstat");
      if (handle instanceof DiskError) return callback(handle, 0);
      callback(null, handle.inode.length);
    });
  }

  list(dir: string, callback: ListCallback): void {
    const d = normalizePath(dir);
    this.later("list", () => {
      const fault = this.takeFault("list", d, false);
      if (fault !== null) return callback(new DiskError(fault, "readdir", d), []);
      if (!this.dirs.has(d)) return callback(new DiskError("ENOENT", "readdir", d), []);
      const names: string[] = [];
      const prefix = d === "/" ? "/" : `${d}/`;
      for (const path of this.files.keys()) {
        if (parentOf(path) === d) names.push(path.slice(prefix.length));
      }
      for (const sub of this.dirs) {
        if (sub !== d && parentOf(sub) === d) names.push(sub.slice(prefix.length));
      }
      callback(null, names);
    });
  }

  rename(from: string, to: string, callback: DoneCallback): void {
    const f = normalizePath(from);
    const t = normalizePath(to);
    this.later("rename", () => {
      const fault = this.takeFault("rename", f, false);
      if (fault !== null) return callback(new DiskError(fault, "rename", f));
      const inode = this.files.get(f);
      if (inode === undefined) return callback(new DiskError("ENOENT", "rename", f));
      if (!this.dirs.has(parentOf(t))) return callback(new DiskError("ENOENT", "rename", t));
      if (f === t) return callback(null);
      // The target entry is replaced first: a crash that keeps only this change leaves
      // both names pointing at the new file, never the target missing.
      this.recordDirChange(t, inode);
      this.recordDirChange(f, null);
      callback(null);
    });
  }

  remove(path: string, callback: DoneCallback): void {
    const p = normalizePath(path);
    this.later("remove", () => {
      const fault = this.takeFault("remove", p, false);
      if (fault !== null) return callback(new DiskError(fault, "unlink", p));
      if (!this.files.has(p)) return callback(new DiskError("ENOENT", "unlink", p));
      this.recordDirChange(p, null);
      callback(null);
    });
  }

  syncDir(dir: string, callback: DoneCallback): void {
    const d = normalizePath(dir);
    this.later("syncDir", () => {
      const fault = this.takeFault("syncDir", d, true);
      if (fault !== null) return callback(new DiskError(fault, "fsync", d));
      if (!this.dirs.has(d)) return callback(new DiskError("ENOENT", "open", d));
      const changes = this.dirChanges.get(d);
      if (changes !== undefined) {
        for (const change of changes) this.applyDirChange(this.durableFiles, change);
        this.dirChanges.delete(d);
      }
      callback(null);
    });
  }

  mkdir(dir: string, callback: DoneCallback): void {
    const d = normalizePath(dir);
    this.later("mkdir", () => {
      const fault = this.takeFault("mkdir", d, false);
      if (fault !== null) return callback(new DiskError(fault, "mkdir", d));
      let p = d;
      const missing: string[] = [];
      while (!this.dirs.has(p)) {
        if (this.files.has(p)) return callback(new DiskError("ENOTDIR", "mkdir", p));
        missing.push(p);
        p = parentOf(p);
      }
      for (const m of missing) this.dirs.add(m);
      callback(null);
    });
  }
}
