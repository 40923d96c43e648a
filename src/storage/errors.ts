// Errors storage reports to its caller. Disk failures arrive as DiskError (src/base/disk.ts)
// unchanged; this module adds the refusal to start on data that cannot be trusted, and the
// fail-fast error of a log that already failed.

import type { DiskError } from "../base/disk.js";

/**
 * The data directory holds damage that recovery must not paper over: a bad record followed
 * by valid ones, a gap between files, a snapshot and log that do not meet. A person has to
 * look; starting anyway could silently lose acknowledged writes.
 */
export class StorageCorruptionError extends Error {
  override readonly name = "StorageCorruptionError";
  readonly code = "CORRUPT";
  readonly path: string;

  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.path = path;
  }
}

/**
 * The log stopped accepting work after a disk error, so that nothing is written behind a
 * failure whose effect on the file is unknown. Reopening storage (recovery) clears it.
 */
export class StorageFailedError extends Error {
  override readonly name = "StorageFailedError";
  readonly code: string;
  override readonly cause: DiskError;

  constructor(cause: DiskError) {
    super(`storage failed earlier and refuses work until restarted: ${cause.message}`);
    this.code = cause.code;
    this.cause = cause;
  }
}
