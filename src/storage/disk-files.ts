// Whole-file helpers on the Disk interface for the cold paths (recovery, snapshots, purge).
// The hot path (group commit) talks to the Disk directly.

import { type Disk, type DiskError, type DoneCallback, joinPath, OpenMode } from "../base/disk.js";

/** Reads a whole file into a new buffer. */
export function readWholeFile(
  disk: Disk,
  path: string,
  callback: (error: DiskError | null, bytes: Uint8Array) => void,
): void {
  const empty = new Uint8Array(0);
  disk.open(path, OpenMode.read, (openError, file) => {
    if (openError) return callback(openError, empty);
    const finish = (error: DiskError | null, bytes: Uint8Array): void => {
      disk.close(file, (closeError) => {
        const failure = error ?? closeError;
        callback(failure, failure ? empty : bytes);
      });
    };
    disk.size(file, (sizeError, size) => {
      if (sizeError) return finish(sizeError, empty);
      const bytes = new Uint8Array(size);
      if (size === 0) return finish(null, bytes);
      disk.read(file, bytes, 0, size, 0, (readError, count) => {
        if (readError) return finish(readError, empty);
        // The file cannot shrink under us: storage owns its directory.
        finish(null, count === size ? bytes : bytes.subarray(0, count));
      });
    });
  });
}

/** Removes the named files of `dir` one after the other, then syncs the directory. */
export function removeFiles(
  disk: Disk,
  dir: string,
  names: readonly string[],
  callback: DoneCallback,
): void {
  let next = 0;
  const step = (error: DiskError | null): void => {
    if (error) {
      callback(error);
      return;
    }
    if (next === names.length) {
      // Synced even when nothing was removed, which also keeps the callback asynchronous.
      disk.syncDir(dir, callback);
      return;
    }
    disk.remove(joinPath(dir, names[next++]), step);
  };
  step(null);
}
