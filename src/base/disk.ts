// The disk comes into the member through this interface so that the deterministic simulator
// can run the real storage code on a simulated disk that loses unsynced writes, tears the
// last write on a crash, fails with EIO or ENOSPC, and completes operations whenever the
// simulator decides. src/io/node-disk.ts implements it on node:fs, src/sim/sim-disk.ts in
// memory.
//
// Every operation takes a callback instead of returning a promise: the hot path (a group
// commit is one write and one fsync) allocates nothing per operation beyond what the caller
// passes, and the simulator controls exactly when each callback runs. A callback runs at most
// once, never synchronously inside the call that started the operation, and receives a
// DiskError (never a throw) when the operation failed.
//
// The durability contract is POSIX's, which is what the simulator models:
// - bytes written to a file are durable only after sync(file) has succeeded;
// - a created, renamed or removed directory entry is durable only after syncDir(dir) of the
//   directory holding it has succeeded;
// - a crash may keep any prefix of the unsynced changes to a file, including a prefix of
//   the last write (a torn write);
// - rename() atomically replaces the target: after a crash either the old or the new file
//   is under the target name, never a mix.

/** An open file. A plain number so that passing it around allocates nothing. */
export type FileHandle = number;

/** How a file is opened. Every mode allows positioned reads. */
export const OpenMode = {
  /** Read only; the file must exist. */
  read: 0,
  /** Read and write; the file must exist. */
  readWrite: 1,
  /** Read and write; creates the file if missing, keeps its content if present. */
  create: 2,
  /** Read and write; creates the file, or empties it if present. */
  createTruncate: 3,
} as const;
export type OpenMode = (typeof OpenMode)[keyof typeof OpenMode];

/**
 * The error codes storage code distinguishes. Other codes from the operating system are
 * passed through unchanged in `code`.
 */
export const DiskErrorCode = {
  notFound: "ENOENT",
  exists: "EEXIST",
  noSpace: "ENOSPC",
  io: "EIO",
  badHandle: "EBADF",
} as const;

export class DiskError extends Error {
  override readonly name = "DiskError";
  /** The errno name, for example "ENOSPC" or "EIO". */
  readonly code: string;
  /** The operation that failed, for example "write" or "fsync". */
  readonly operation: string;
  readonly path: string;

  constructor(code: string, operation: string, path: string, detail?: string) {
    super(`${operation} ${path}: ${code}${detail === undefined ? "" : ` (${detail})`}`);
    this.code = code;
    this.operation = operation;
    this.path = path;
  }
}

export type DoneCallback = (error: DiskError | null) => void;
export type OpenCallback = (error: DiskError | null, file: FileHandle) => void;
/** `value` is a byte count or a size; it is 0 when `error` is set. */
export type CountCallback = (error: DiskError | null, value: number) => void;
export type ListCallback = (error: DiskError | null, names: string[]) => void;

export interface Disk {
  /** Opens `path`. On error the handle passed is -1. */
  open(path: string, mode: OpenMode, callback: OpenCallback): void;
  close(file: FileHandle, callback: DoneCallback): void;
  /**
   * Writes `length` bytes of `data` starting at `offset` to the file at `position`, all of
   * them or fail (a short write is retried inside the implementation). `data` must not be
   * changed before the callback runs. A failed write may have written a prefix.
   */
  write(
    file: FileHandle,
    data: Uint8Array,
    offset: number,
    length: number,
    position: number,
    callback: DoneCallback,
  ): void;
  /**
   * Reads up to `length` bytes at `position` into `target` at `offset`; passes the count
   * read, which is smaller than `length` only at the end of the file.
   */
  read(
    file: FileHandle,
    target: Uint8Array,
    offset: number,
    length: number,
    position: number,
    callback: CountCallback,
  ): void;
  /** Makes everything written to the file so far durable (fsync). */
  sync(file: FileHandle, callback: DoneCallback): void;
  /** Cuts or extends (with zeros) the file to `size` bytes. Durable after sync(). */
  truncate(file: FileHandle, size: number, callback: DoneCallback): void;
  /** The file's current size in bytes. */
  size(file: FileHandle, callback: CountCallback): void;
  /** The names (not paths) in a directory, in no particular order. */
  list(dir: string, callback: ListCallback): void;
  /** Atomically replaces `to` with `from`. Durable after syncDir() of the directory. */
  rename(from: string, to: string, callback: DoneCallback): void;
  /** Removes a file. Durable after syncDir() of the directory. */
  remove(path: string, callback: DoneCallback): void;
  /** Makes the directory's entries (creations, renames, removals) durable. */
  syncDir(dir: string, callback: DoneCallback): void;
  /** Creates a directory and its missing parents; succeeds if it exists already. */
  mkdir(dir: string, callback: DoneCallback): void;
}

/** Joins a directory and a name with "/" (both disks accept it on every platform). */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}
