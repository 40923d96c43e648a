// The real Disk on node:fs's callback API (libuv's thread pool): no promise per operation,
// and a group commit costs one write and one fsync system call. Node errors are turned into
// DiskError with the errno name, so storage code handles ENOSPC and EIO the same way on the
// real disk as on the simulated one.

import * as fs from "node:fs";
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

const openFlags: Record<OpenMode, string> = {
  [OpenMode.read]: "r",
  [OpenMode.readWrite]: "r+",
  [OpenMode.create]: "a+",
  [OpenMode.createTruncate]: "w+",
};

function toDiskError(error: NodeJS.ErrnoException, operation: string, path: string): DiskError {
  return new DiskError(
    error.code ?? "EIO",
    error.syscall ?? operation,
    error.path ?? path,
    error.message,
  );
}

export class NodeDisk implements Disk {
  /** Paths of open files, only for error messages. */
  private readonly paths = new Map<FileHandle, string>();

  private pathOf(file: FileHandle): string {
    return this.paths.get(file) ?? `fd ${file}`;
  }

  open(path: string, mode: OpenMode, callback: OpenCallback): void {
    if (mode === OpenMode.create) {
      // "a+" would make every write append regardless of position, so create with "a" first
      // and then open "r+", which honours positions.
      fs.open(path, "a", (error, fd) => {
        if (error) return callback(toDiskError(error, "open", path), -1);
        fs.close(fd, (closeError) => {
          if (closeError) return callback(toDiskError(closeError, "close", path), -1);
          this.open(path, OpenMode.readWrite, callback);
        });
      });
      return;
    }
    fs.open(path, openFlags[mode], (error, fd) => {
      if (error) return callback(toDiskError(error, "open", path), -1);
      this.paths.set(fd, path);
      callback(null, fd);
    });
  }

  close(file: FileHandle, callback: DoneCallback): void {
    const path = this.pathOf(file);
    this.paths.delete(file);
    fs.close(file, (error) => callback(error ? toDiskError(error, "close", path) : null));
  }

  write(
    file: FileHandle,
    data: Uint8Array,
    offset: number,
    length: number,
    position: number,
    callback: DoneCallback,
  ): void {
    const onWritten = (error: NodeJS.ErrnoException | null, written: number): void => {
      if (error) {
        callback(toDiskError(error, "write", this.pathOf(file)));
        return;
      }
      if (written === length) {
        callback(null);
        return;
      }
      // A short write: carry on with the rest (regular files rarely do this, but may).
      offset += written;
      position += written;
      length -= written;
      if (written === 0) {
        callback(new DiskError("EIO", "write", this.pathOf(file), "wrote 0 bytes"));
        return;
      }
      fs.write(file, data, offset, length, position, onWritten);
    };
    fs.write(file, data, offset, length, position, onWritten);
  }

  read(
    file: FileHandle,
    target: Uint8Array,
    offset: number,
    length: number,
    position: number,
    callback: CountCallback,
  ): void {
    let total = 0;
    const onRead = (error: NodeJS.ErrnoException | null, count: number): void => {
      if (error) {
        callback(toDiskError(error, "read", this.pathOf(file)), 0);
        return;
      }
      total += count;
      if (count === 0 || total === length) {
        callback(null, total);
        return;
      }
      fs.read(file, target, offset + total, length - total, position + total, onRead);
    };
    if (length === 0) {
      process.nextTick(callback, null, 0);
      return;
    }
    fs.read(file, target, offset, length, position, onRead);
  }

  sync(file: FileHandle, callback: DoneCallback): void {
    fs.fsync(file, (error) =>
      callback(error ? toDiskError(error, "fsync", this.pathOf(file)) : null),
    );
  }

  truncate(file: FileHandle, size: number, callback: DoneCallback): void {
    fs.ftruncate(file, size, (error) =>
      callback(error ? toDiskError(error, "ftruncate", this.pathOf(file)) : null),
    );
  }

  size(file: FileHandle, callback: CountCallback): void {
    fs.fstat(file, (error, stats) => {
      if (error) return callback(toDiskError(error, "fstat", this.pathOf(file)), 0);
      callback(null, stats.size);
    });
  }

  list(dir: string, callback: ListCallback): void {
    fs.readdir(dir, (error, names) => {
      if (error) return callback(toDiskError(error, "readdir", dir), []);
      callback(null, names);
    });
  }

  rename(from: string, to: string, callback: DoneCallback): void {
    fs.rename(from, to, (error) => callback(error ? toDiskError(error, "rename", from) : null));
  }

  remove(path: string, callback: DoneCallback): void {
    fs.unlink(path, (error) => callback(error ? toDiskError(error, "unlink", path) : null));
  }

  syncDir(dir: string, callback: DoneCallback): void {
    fs.open(dir, "r", (error, fd) => {
      if (error) return callback(toDiskError(error, "open", dir));
      fs.fsync(fd, (syncError) => {
        fs.close(fd, (closeError) => {
          const failure = syncError ?? closeError;
          callback(failure ? toDiskError(failure, "fsync", dir) : null);
        });
      });
    });
  }

  mkdir(dir: string, callback: DoneCallback): void {
    fs.mkdir(dir, { recursive: true }, (error) =>
      callback(error ? toDiskError(error, "mkdir", dir) : null),
    );
  }
}
