// Snapshot files: Raft snapshot metadata plus the opaque state machine image, checksummed.
//
// File "snap-<lastIndex, 20 decimal digits>.snap" (big-endian):
//
//   offset    size  field
//   0         4     magic 0x43524c53 ("CRLS")
//   4         2     format version (1)
//   6         2     reserved, 0
//   8         8     lastIndex: the last log index the snapshot covers
//   16        8     lastTerm: the term of that entry
//   24        4     configLength
//   28        8     stateLength
//   36        4     CRC-32 of bytes 0..36
//   40        c     config: the encoded cluster membership at lastIndex
//   40+c      s     state: the state machine image (opaque here)
//   40+c+s    4     CRC-32 of config and state
//
// Writing: the file is written under "<name>.tmp" in chunks (one disk write each, the
// checksum computed chunk by chunk just before its write, so no step holds the event loop
// for more than about a millisecond per chunk), fsynced, closed, renamed to its final name,
// and the directory is fsynced. Only then is the snapshot reported durable. A crash at any
// point leaves either no file under the final name or a complete, synced one; leftover .tmp
// files are removed by recovery.

import { type ByteParts, bytePartsLength } from "../base/byte-parts.js";
import { type Disk, type DiskError, joinPath, OpenMode } from "../base/disk.js";
import { checksum, padIndex, readU64, viewOf, writeU64 } from "./bytes.js";
import { readWholeFile } from "./disk-files.js";
import type { SnapshotMeta, StoredSnapshot } from "./types.js";

export const snapshotMagic = 0x43524c53;
export const snapshotVersion = 1;
export const snapshotHeaderBytes = 40;
export const snapshotTrailerBytes = 4;
/** Default size of one write while saving a snapshot. */
export const snapshotChunkBytesDefault = 1024 * 1024;

const snapshotNamePattern = /^snap-(\d{20})\.snap$/;
const snapshotTempPattern = /^snap-\d{20}\.snap\.tmp$/;

export function snapshotName(lastIndex: number): string {
  return `snap-${padIndex(lastIndex)}.snap`;
}

/** The lastIndex a snapshot file name announces, or -1. */
export function parseSnapshotName(name: string): number {
  const match = snapshotNamePattern.exec(name);
  if (match === null) return -1;
  const value = Number(match[1]);
  return Number.isSafeInteger(value) ? value : -1;
}

export function isSnapshotTempName(name: string): boolean {
  return snapshotTempPattern.test(name);
}

export function encodeSnapshotHeader(meta: SnapshotMeta, stateLength: number): Uint8Array {
  const bytes = new Uint8Array(snapshotHeaderBytes);
  const view = viewOf(bytes);
  view.setUint32(0, snapshotMagic);
  view.setUint16(4, snapshotVersion);
  writeU64(view, 8, meta.lastIndex);
  writeU64(view, 16, meta.lastTerm);
  view.setUint32(24, meta.config.length);
  writeU64(view, 28, stateLength);
  view.setUint32(36, checksum(bytes, 0, 36));
  return bytes;
}

/** Decodes a whole snapshot file; returns a description of the damage instead when bad. */
export function decodeSnapshot(bytes: Uint8Array): StoredSnapshot | string {
  if (bytes.length < snapshotHeaderBytes + snapshotTrailerBytes)
    return `file too short (${bytes.length} bytes)`;
  const view = viewOf(bytes);
  if (view.getUint32(0) !== snapshotMagic) return "bad magic";
  if (view.getUint16(4) !== snapshotVersion) return `unknown format version ${view.getUint16(4)}`;
  if (view.getUint32(36) !== checksum(bytes, 0, 36)) return "header checksum mismatch";
  const lastIndex = readU64(view, 8);
  const lastTerm = readU64(view, 16);
  const configLength = view.getUint32(24);
  const stateLength = readU64(view, 28);
  if (lastIndex < 0 || lastTerm < 0 || stateLength < 0) return "header values out of range";
  const bodyEnd = snapshotHeaderBytes + configLength + stateLength;
  if (bodyEnd + snapshotTrailerBytes !== bytes.length) {
    return `length mismatch: header announces ${bodyEnd + snapshotTrailerBytes} bytes, file has ${bytes.length}`;
  }
  if (view.getUint32(bodyEnd) !== checksum(bytes, snapshotHeaderBytes, bodyEnd))
    return "body checksum mismatch";
  const configEnd = snapshotHeaderBytes + configLength;
  return {
    meta: { lastIndex, lastTerm, config: bytes.subarray(snapshotHeaderBytes, configEnd) },
    state: bytes.subarray(configEnd, bodyEnd),
  };
}

/** Reads and checks dir/name. Damage is reported as a string, disk errors as DiskError. */
export function readSnapshotFile(
  disk: Disk,
  path: string,
  callback: (error: DiskError | null, snapshot: StoredSnapshot | string) => void,
): void {
  readWholeFile(disk, path, (error, bytes) => {
    if (error) callback(error, "unreadable");
    else callback(null, decodeSnapshot(bytes));
  });
}

/**
 * Writes a snapshot durably (temp file, fsync, rename, directory fsync) in chunks of
 * `chunkBytes`. The caller must not change `state` or `meta.config` until `callback` runs.
 */
export function writeSnapshotFile(
  disk: Disk,
  dir: string,
  meta: SnapshotMeta,
  state: ByteParts,
  chunkBytes: number,
  callback: (error: DiskError | null) => void,
): void {
  const path = joinPath(dir, snapshotName(meta.lastIndex));
  const temp = `${path}.tmp`;
  const parts: readonly Uint8Array[] = state instanceof Uint8Array ? [state] : state;
  const header = encodeSnapshotHeader(meta, bytePartsLength(state));
  const trailer = new Uint8Array(snapshotTrailerBytes);
  disk.open(temp, OpenMode.createTruncate, (openError, file) => {
    if (openError) {
      callback(openError);
      return;
    }
    const abandon = (error: DiskError): void => {
      // Best effort: the temp file is garbage now; recovery removes it if this fails too.
      disk.close(file, () => disk.remove(temp, () => callback(error)));
    };
    let crc = checksum(meta.config, 0, meta.config.length);
    let position = 0;
    let part = 0;
    let offset = 0;
    const writeTrailer = (): void => {
      viewOf(trailer).setUint32(0, crc);
      disk.write(file, trailer, 0, trailer.length, position, (error) => {
        if (error) {
          abandon(error);
          return;
        }
        disk.sync(file, (syncError) => {
          if (syncError) {
            abandon(syncError);
            return;
          }
          disk.close(file, (closeError) => {
            if (closeError) {
              callback(closeError);
              return;
            }
            disk.rename(temp, path, (renameError) => {
              if (renameError) callback(renameError);
              else disk.syncDir(dir, callback);
            });
          });
        });
      });
    };
    const writeChunk = (error: DiskError | null): void => {
      if (error) {
        abandon(error);
        return;
      }
      while (part < parts.length && offset === parts[part].length) {
        part++;
        offset = 0;
      }
      if (part === parts.length) {
        writeTrailer();
        return;
      }
      const current = parts[part];
      const end = Math.min(current.length, offset + chunkBytes);
      crc = checksum(current, offset, end, crc);
      const at = position;
      position += end - offset;
      const start = offset;
      offset = end;
      disk.write(file, current, start, end - start, at, writeChunk);
    };
    disk.write(file, header, 0, header.length, 0, (error) => {
      if (error) {
        abandon(error);
        return;
      }
      disk.write(file, meta.config, 0, meta.config.length, header.length, (configError) => {
        position = header.length + meta.config.length;
        writeChunk(configError);
      });
    });
  });
}
