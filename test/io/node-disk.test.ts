// Proves NodeDisk implements the Disk contract on the real file system (positioned writes
// and reads, sizes, truncation, listing, atomic rename, removal, directory sync, recursive
// mkdir) and reports failures as DiskError with the errno name, including ENOSPC (from
// /dev/full) and ENOENT. Works in a temp dir that is removed afterwards.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { DiskError, type FileHandle, OpenMode } from "../../src/base/disk.js";
import { NodeDisk } from "../../src/io/node-disk.js";

const root = mkdtempSync(join(tmpdir(), "corral-node-disk-"));
after(() => rmSync(root, { recursive: true, force: true }));
const disk = new NodeDisk();

function call<T extends unknown[]>(start: (done: (...args: T) => void) => void): Promise<T> {
  return new Promise((resolve) => start((...args: T) => resolve(args)));
}

async function ok(start: (done: (error: DiskError | null) => void) => void): Promise<void> {
  const [error] = await call(start);
  assert.equal(error, null);
}

async function openFile(path: string, mode: OpenMode): Promise<FileHandle> {
  const [error, file] = await call((d: (e: DiskError | null, f: FileHandle) => void) =>
    disk.open(path, mode, d),
  );
  assert.equal(error, null);
  return file;
}

test("file operations round-trip", async () => {
  const dir = join(root, "a", "b");
  await ok((d) => disk.mkdir(dir, d));
  await ok((d) => disk.mkdir(dir, d)); // exists already: fine
  const path = join(dir, "f");
  const file = await openFile(path, OpenMode.create);
  await ok((d) => disk.write(file, new Uint8Array([1, 2, 3, 4, 5]), 1, 3, 0, d));
  await ok((d) => disk.write(file, new Uint8Array([9]), 0, 1, 10, d)); // leaves a zero gap
  await ok((d) => disk.sync(file, d));
  const [sizeError, size] = await call((d: (e: DiskError | null, n: number) => void) =>
    disk.size(file, d),
  );
  assert.equal(sizeError, null);
  assert.equal(size, 11);
  const target = new Uint8Array(20);
  const [readError, count] = await call((d: (e: DiskError | null, n: number) => void) =>
    disk.read(file, target, 2, 18, 0, d),
  );
  assert.equal(readError, null);
  assert.equal(count, 11);
  assert.deepEqual(Array.from(target.subarray(2, 13)), [2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 9]);
  await ok((d) => disk.truncate(file, 2, d));
  await ok((d) => disk.close(file, d));
  // "create" keeps existing content and honours positions (no append mode).
  const again = await openFile(path, OpenMode.create);
  await ok((d) => disk.write(again, new Uint8Array([7]), 0, 1, 0, d));
  const [, small] = await call((d: (e: DiskError | null, n: number) => void) =>
    disk.size(again, d),
  );
  assert.equal(small, 2);
  await ok((d) => disk.close(again, d));
  await ok((d) => disk.rename(path, join(dir, "g"), d));
  await ok((d) => disk.syncDir(dir, d));
  const [, names] = await call((d: (e: DiskError | null, n: string[]) => void) =>
    disk.list(dir, d),
  );
  assert.deepEqual(names, ["g"]);
  await ok((d) => disk.remove(join(dir, "g"), d));
  assert.equal(existsSync(join(dir, "g")), false);
  const truncating = await openFile(join(dir, "h"), OpenMode.createTruncate);
  await ok((d) => disk.write(truncating, new Uint8Array([1, 2]), 0, 2, 0, d));
  await ok((d) => disk.close(truncating, d));
  const emptied = await openFile(join(dir, "h"), OpenMode.createTruncate);
  const [, zero] = await call((d: (e: DiskError | null, n: number) => void) =>
    disk.size(emptied, d),
  );
  assert.equal(zero, 0);
  await ok((d) => disk.close(emptied, d));
});

test("errors arrive as DiskError with the errno name", async () => {
  const [missing, handle] = await call((d: (e: DiskError | null, f: FileHandle) => void) =>
    disk.open(join(root, "nope"), OpenMode.read, d),
  );
  assert.ok(missing instanceof DiskError);
  assert.equal(missing.code, "ENOENT");
  assert.equal(handle, -1);
  const [gone] = await call((d: (e: DiskError | null) => void) =>
    disk.remove(join(root, "nope"), d),
  );
  assert.equal(gone?.code, "ENOENT");
  if (existsSync("/dev/full")) {
    const full = await openFile("/dev/full", OpenMode.readWrite);
    const [error] = await call((d: (e: DiskError | null) => void) =>
      disk.write(full, new Uint8Array(100), 0, 100, 0, d),
    );
    assert.ok(error instanceof DiskError);
    assert.equal(error.code, "ENOSPC");
    await ok((d) => disk.close(full, d));
  }
});
