// A Disk for tests that runs on the real file system (NodeDisk) until it is told to fail, and
// from then on behaves like a full disk: every write writes a prefix of its bytes and then
// fails with ENOSPC (a torn write, which is what a file system does when the space runs out
// mid-write), and every fsync fails with ENOSPC. Everything else passes through, so the
// bytes that reached the file are really there for the next process to recover.
import {
  type CountCallback,
  type Disk,
  DiskError,
  type DoneCallback,
  type FileHandle,
  type ListCallback,
  type OpenCallback,
  type OpenMode,
} from "../../src/base/disk.js";
import { NodeDisk } from "../../src/io/node-disk.js";

export class FailingDisk implements Disk {
  private readonly disk = new NodeDisk();
  private readonly paths = new Map<FileHandle, string>();
  /** Writes and fsyncs failed since fail() (for the launcher's log). */
  failures = 0;
  private failing = false;

  /** From now on every write tears and every fsync fails, with ENOSPC. */
  fail(): void {
    this.failing = true;
  }

  get isFailing(): boolean {
    return this.failing;
  }

  open(path: string, mode: OpenMode, callback: OpenCallback): void {
    this.disk.open(path, mode, (error, file) => {
      if (error === null) this.paths.set(file, path);
      callback(error, file);
    });
  }

  close(file: FileHandle, callback: DoneCallback): void {
    this.paths.delete(file);
    this.disk.close(file, callback);
  }

  write(
    file: FileHandle,
    data: Uint8Array,
    offset: number,
    length: number,
    position: number,
    callback: DoneCallback,
  ): void {
    if (!this.failing) {
      this.disk.write(file, data, offset, length, position, callback);
      return;
    }
    this.failures++;
    const error = new DiskError("ENOSPC", "write", this.pathOf(file), "test disk is full");
    const prefix = Math.floor(length / 2);
    if (prefix === 0) {
      setImmediate(callback, error);
      return;
    }
    this.disk.write(file, data, offset, prefix, position, () => callback(error));
  }

  read(
    file: FileHandle,
    target: Uint8Array,
    offset: number,
    length: number,
    position: number,
    callback: CountCallback,
  ): void {
    this.disk.read(file, target, offset, length, position, callback);
  }

  sync(file: FileHandle, callback: DoneCallback): void {
    if (!this.failing) {
      this.disk.sync(file, callback);
      return;
    }
    this.failures++;
    setImmediate(
      callback,
      new DiskError("ENOSPC", "fsync", this.pathOf(file), "test disk is full"),
    );
  }

  truncate(file: FileHandle, size: number, callback: DoneCallback): void {
    this.disk.truncate(file, size, callback);
  }

  size(file: FileHandle, callback: CountCallback): void {
    this.disk.size(file, callback);
  }

  list(dir: string, callback: ListCallback): void {
    this.disk.list(dir, callback);
  }

  rename(from: string, to: string, callback: DoneCallback): void {
    this.disk.rename(from, to, callback);
  }

  remove(path: string, callback: DoneCallback): void {
    this.disk.remove(path, callback);
  }

  syncDir(dir: string, callback: DoneCallback): void {
    this.disk.syncDir(dir, callback);
  }

  mkdir(dir: string, callback: DoneCallback): void {
    this.disk.mkdir(dir, callback);
  }

  private pathOf(file: FileHandle): string {
    return this.paths.get(file) ?? `fd ${file}`;
  }
}
