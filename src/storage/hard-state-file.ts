// The Raft hard state {term, vote, commit} in its own small file, "hardstate", next to the
// log segments. It lives outside the log on purpose: truncating the log's suffix (Raft
// conflict resolution) or dropping the whole log after a snapshot install must never take a
// vote with it, and a vote is exactly what must not be forgotten. (Keeping it as log records
// would mean re-writing it around every truncation, with a window where a crash loses it.)
//
// The file has two fixed slots of 512 bytes, one disk sector each. A save writes the slot
// the previous save did not use and fsyncs: a torn write damages only the slot being
// written, and the other still holds the previous state. Reading takes the valid slot with
// the higher sequence number. One write and one fsync per save, no rename.
//
// Slot layout (big-endian):
//
//   offset  size  field
//   0       4     CRC-32 of bytes 4..40
//   4       4     magic 0x43524853 ("CRHS")
//   8       8     sequence (the slot used is sequence % 2)
//   16      8     term
//   24      8     vote (0: nobody)
//   32      8     commit
//   40      472   zero
//
// The file is created complete (slot 0 with sequence 0 and the empty state) under a temporary
// name, fsynced and renamed, so a "hardstate" without a valid slot is damage, not a crash.
// Saves that arrive while one is in flight are coalesced: the newest state is written next,
// and every waiting callback runs after that fsync.

import { assert } from "../base/assert.js";
import { type Disk, type DiskError, type FileHandle, joinPath, OpenMode } from "../base/disk.js";
import { checksum, readU64, viewOf, writeU64 } from "./bytes.js";
import { readWholeFile } from "./disk-files.js";
import { StorageCorruptionError, StorageFailedError } from "./errors.js";
import {
  emptyHardState,
  type HardState,
  type StorageCallback,
  type StorageLogger,
} from "./types.js";

export const hardStateFileName = "hardstate";
const slotBytes = 512;
const slotMagic = 0x43524853;
const slotUsedBytes = 40;

function encodeSlot(target: Uint8Array, sequence: number, state: HardState): void {
  target.fill(0);
  const view = viewOf(target);
  view.setUint32(4, slotMagic);
  writeU64(view, 8, sequence);
  writeU64(view, 16, state.term);
  writeU64(view, 24, state.vote);
  writeU64(view, 32, state.commit);
  view.setUint32(0, checksum(target, 4, slotUsedBytes));
}

interface Slot {
  sequence: number;
  state: HardState;
}

function decodeSlot(bytes: Uint8Array): Slot | null {
  if (bytes.length < slotUsedBytes) return null;
  const view = viewOf(bytes);
  if (view.getUint32(4) !== slotMagic || view.getUint32(0) !== checksum(bytes, 4, slotUsedBytes))
    return null;
  const sequence = readU64(view, 8);
  const term = readU64(view, 16);
  const vote = readU64(view, 24);
  const commit = readU64(view, 32);
  if (sequence < 0 || term < 0 || vote < 0 || commit < 0) return null;
  return { sequence, state: { term, vote, commit } };
}

export class HardStateFile {
  private readonly disk: Disk;
  private readonly path: string;
  private file: FileHandle;
  private sequence: number;
  private current: HardState;
  private readonly buffer = new Uint8Array(slotBytes);
  private pending: HardState | null = null;
  private pendingCallbacks: StorageCallback[] = [];
  private flightCallbacks: StorageCallback[] = [];
  private flying = false;
  private failed: DiskError | null = null;
  private closeCallback: StorageCallback | null = null;
  private readonly logger: StorageLogger;
  /** Counters for tests. */
  readonly stats = { saves: 0, writes: 0 };

  private constructor(
    disk: Disk,
    path: string,
    file: FileHandle,
    slot: Slot,
    logger: StorageLogger,
  ) {
    this.disk = disk;
    this.path = path;
    this.file = file;
    this.sequence = slot.sequence;
    this.current = slot.state;
    this.logger = logger;
  }

  /** Reads (or creates) dir/hardstate. */
  static open(
    disk: Disk,
    dir: string,
    logger: StorageLogger,
    callback: (error: Error | null, file: HardStateFile | null, state: HardState) => void,
  ): void {
    const path = joinPath(dir, hardStateFileName);
    const opened = (slot: Slot): void => {
      disk.open(path, OpenMode.readWrite, (error, file) => {
        if (error) {
          callback(error, null, emptyHardState);
          return;
        }
        callback(null, new HardStateFile(disk, path, file, slot, logger), slot.state);
      });
    };
    readWholeFile(disk, path, (readError, bytes) => {
      if (readError?.code === "ENOENT") {
        create(disk, dir, (createError) => {
          if (createError) callback(createError, null, emptyHardState);
          else opened({ sequence: 0, state: emptyHardState });
        });
        return;
      }
      if (readError) {
        callback(readError, null, emptyHardState);
        return;
      }
      const a = decodeSlot(bytes.subarray(0, slotBytes));
      const b = decodeSlot(bytes.subarray(slotBytes, 2 * slotBytes));
      if (a === null && b === null) {
        callback(
          new StorageCorruptionError(path, "no valid hard state slot"),
          null,
          emptyHardState,
        );
        return;
      }
      if (a === null || b === null) {
        // Normal after a crash during a save (or before the second slot was ever used).
        if (bytes.length >= 2 * slotBytes && bytes.subarray(slotBytes).some((x) => x !== 0)) {
          logger.info(`storage: ${path}: one hard state slot is damaged, using the other`);
        }
      }
      const slot = a === null ? b! : b === null ? a : a.sequence >= b.sequence ? a : b;
      opened(slot);
    });
  }

  /** The last state saved (or being saved). */
  get state(): HardState {
    return this.pending ?? this.current;
  }

  get failure(): DiskError | null {
    return this.failed;
  }

  /** Makes `state` durable; `callback` runs after its fsync (or with the error). */
  save(state: HardState, callback: StorageCallback): void {
    assert(this.closeCallback === null, "hard state saved after close()");
    if (this.failed !== null) {
      callback(new StorageFailedError(this.failed));
      return;
    }
    const before = this.state;
    assert(
      state.term >= before.term,
      `hard state term went back from ${before.term} to ${state.term}`,
    );
    assert(
      state.term > before.term || before.vote === 0 || state.vote === before.vote,
      `hard state vote changed within term ${state.term}`,
    );
    assert(
      Number.isSafeInteger(state.commit) && state.commit >= 0,
      "hard state commit out of range",
    );
    this.stats.saves++;
    this.pending = state;
    this.pendingCallbacks.push(callback);
    if (!this.flying) this.flush();
  }

  private flush(): void {
    const state = this.pending!;
    this.pending = null;
    const swap = this.flightCallbacks;
    this.flightCallbacks = this.pendingCallbacks;
    this.pendingCallbacks = swap;
    this.flying = true;
    this.sequence++;
    this.current = state;
    this.stats.writes++;
    encodeSlot(this.buffer, this.sequence, state);
    this.disk.write(
      this.file,
      this.buffer,
      0,
      slotBytes,
      (this.sequence % 2) * slotBytes,
      this.onWritten,
    );
  }

  private readonly onWritten = (error: DiskError | null): void => {
    if (error) {
      this.fail(error);
      return;
    }
    this.disk.sync(this.file, this.onSynced);
  };

  private readonly onSynced = (error: DiskError | null): void => {
    if (error) {
      this.fail(error);
      return;
    }
    this.flying = false;
    const callbacks = this.flightCallbacks;
    for (let i = 0; i < callbacks.length; i++) callbacks[i](null);
    callbacks.length = 0;
    if (this.pending !== null) this.flush();
    else if (this.closeCallback !== null) this.closeNow();
  };

  private fail(error: DiskError): void {
    this.failed = error;
    this.flying = false;
    this.logger.error(
      `storage: saving the hard state to ${this.path} failed, refusing further saves until restart: ${error.message}`,
    );
    for (const callback of this.flightCallbacks.splice(0)) callback(error);
    const refused = new StorageFailedError(error);
    for (const callback of this.pendingCallbacks.splice(0)) callback(refused);
    this.pending = null;
    if (this.closeCallback !== null) this.closeNow();
  }

  /** Closes the file once the saves already asked for are done. Nothing may be saved after. */
  close(callback: StorageCallback): void {
    assert(this.closeCallback === null && this.file >= 0, "hard state closed twice");
    this.closeCallback = callback;
    if (!this.flying) this.closeNow();
  }

  private closeNow(): void {
    const callback = this.closeCallback!;
    const file = this.file;
    this.file = -1;
    this.disk.close(file, callback);
  }
}

/** Creates dir/hardstate durably with slot 0 holding the empty state. */
function create(disk: Disk, dir: string, done: (error: DiskError | null) => void): void {
  const path = joinPath(dir, hardStateFileName);
  const temp = `${path}.tmp`;
  const bytes = new Uint8Array(2 * slotBytes);
  encodeSlot(bytes.subarray(0, slotBytes), 0, emptyHardState);
  disk.open(temp, OpenMode.createTruncate, (openError, file) => {
    if (openError) {
      done(openError);
      return;
    }
    disk.write(file, bytes, 0, bytes.length, 0, (writeError) => {
      const after = (error: DiskError | null): void => {
        disk.close(file, (closeError) => {
          const failure = error ?? closeError;
          if (failure) {
            done(failure);
            return;
          }
          disk.rename(temp, path, (renameError) => {
            if (renameError) done(renameError);
            else disk.syncDir(dir, done);
          });
        });
      };
      if (writeError) after(writeError);
      else disk.sync(file, after);
    });
  });
}
