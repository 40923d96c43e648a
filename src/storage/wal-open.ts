// Opening the write-ahead log: reads every segment, checks that they chain (each starts
// right after the previous one ends), cuts a torn tail off the last segment, and refuses to
// start on anything else that is damaged. See wal-format.ts for the three possible endings
// of a segment and why only the last segment may have a torn one.
//
// A segment that the chosen snapshot covers entirely (the next segment starts at or before
// the snapshot's index), and that is not the one before the last, is not read: recovery
// needs nothing from it, so a log left to grow between purges (autopurge.purgeInterval)
// does not slow every restart, as ZooKeeper reads only the logs after its snapshot. Its
// range comes from its own name and the next one's.

import { type Disk, type DiskError, joinPath, OpenMode } from "../base/disk.js";
import { readWholeFile } from "./disk-files.js";
import { StorageCorruptionError } from "./errors.js";
import type { LogEntry } from "./types.js";
import { Segment, type WalOptions, WriteAheadLog } from "./wal.js";
import {
  parseSegmentName,
  SegmentEnding,
  type SegmentScan,
  scanSegment,
  segmentHeaderBytes,
} from "./wal-format.js";

export type OpenWalCallback = (
  error: Error | null,
  wal: WriteAheadLog | null,
  entries: LogEntry[],
) => void;

interface Found {
  readonly name: string;
  readonly firstIndex: number;
}

/**
 * Recovers the log in options.dir (creating the directory if needed). Segments wholly before
 * `coveredThrough` (the recovered snapshot's index; 0 for none) are listed but not read, and
 * their entries are not returned.
 */
export function openWal(options: WalOptions, callback: OpenWalCallback, coveredThrough = 0): void {
  const { disk, dir, logger } = options;
  const fail = (error: Error): void => callback(error, null, []);
  disk.mkdir(dir, (mkdirError) => {
    if (mkdirError) return fail(mkdirError);
    disk.list(dir, (listError, names) => {
      if (listError) return fail(listError);
      const found: Found[] = [];
      for (const name of names) {
        const firstIndex = parseSegmentName(name);
        if (firstIndex >= 0) found.push({ name, firstIndex });
      }
      found.sort((a, b) => a.firstIndex - b.firstIndex);
      const segments: Segment[] = [];
      const entries: LogEntry[] = [];
      let next = 0;
      const readNext = (): void => {
        if (next === found.length) {
          finish(options, segments, entries, callback);
          return;
        }
        const current = found[next++];
        const path = joinPath(dir, current.name);
        const successor = found[next];
        // The segment before the last is always read: if the last one turns out to be an
        // empty leftover and is removed, that one becomes the last and takes appends.
        if (next + 1 < found.length && successor.firstIndex <= coveredThrough) {
          skipCovered(disk, path, (sizeError, size) => {
            if (sizeError) return fail(sizeError);
            segments.push(new Segment(current.firstIndex, successor.firstIndex - 1, size, null));
            readNext();
          });
          return;
        }
        readWholeFile(disk, path, (readError, bytes) => {
          if (readError) return fail(readError);
          const isLast = next === found.length;
          const scan = scanSegment(bytes);
          const previous = segments[segments.length - 1];
          if (scan.firstIndex < 0) {
            // A segment whose creation never became durable: the crash came between creating
            // the file and syncing its header. Nothing was ever written into it.
            if (isLast && bytes.length <= segmentHeaderBytes) {
              logger.warn(
                `storage: removing ${path}: its header never became durable (${bytes.length} bytes)`,
              );
              disk.remove(path, (removeError) => {
                if (removeError) return fail(removeError);
                disk.syncDir(dir, (syncError) => (syncError ? fail(syncError) : readNext()));
              });
              return;
            }
            return fail(new StorageCorruptionError(path, scan.problem));
          }
          if (scan.firstIndex !== current.firstIndex) {
            return fail(
              new StorageCorruptionError(
                path,
                `header says first index ${scan.firstIndex}, name says ${current.firstIndex}`,
              ),
            );
          }
          if (previous !== undefined && previous.lastIndex + 1 !== scan.firstIndex) {
            return fail(
              new StorageCorruptionError(
                path,
                `segment starts at index ${scan.firstIndex} but the previous one ends at ${previous.lastIndex}`,
              ),
            );
          }
          const accept = (): void => {
            for (const entry of scan.entries) entries.push(entry);
            segments.push(
              new Segment(
                scan.firstIndex,
                scan.firstIndex + scan.entries.length - 1,
                scan.validEnd,
                scan.offsets,
              ),
            );
            readNext();
          };
          if (scan.ending === SegmentEnding.clean) return accept();
          if (scan.ending === SegmentEnding.corrupt || !isLast) {
            return fail(
              new StorageCorruptionError(
                path,
                `damaged record before the end of the log, refusing to start (acknowledged entries could be lost): ${scan.problem}`,
              ),
            );
          }
          logger.warn(
            `storage: truncating torn WAL tail of ${path}: keeping ${scan.entries.length} record(s) up to byte ` +
              `${scan.validEnd}, dropping ${bytes.length - scan.validEnd} byte(s): ${scan.problem}`,
          );
          truncateFile(disk, path, scan, (truncateError) =>
            truncateError ? fail(truncateError) : accept(),
          );
        });
      };
      readNext();
    });
  });
}

/** A covered segment's size, so segmentInfo() stays true; its records stay unread. */
function skipCovered(
  disk: Disk,
  path: string,
  done: (error: DiskError | null, size: number) => void,
): void {
  disk.open(path, OpenMode.read, (openError, file) => {
    if (openError) return done(openError, 0);
    disk.size(file, (sizeError, size) =>
      disk.close(file, (closeError) => done(sizeError ?? closeError, size)),
    );
  });
}

function truncateFile(
  disk: Disk,
  path: string,
  scan: SegmentScan,
  done: (error: DiskError | null) => void,
): void {
  disk.open(path, OpenMode.readWrite, (openError, file) => {
    if (openError) return done(openError);
    disk.truncate(file, scan.validEnd, (truncateError) => {
      const syncThenClose = (error: DiskError | null): void => {
        if (error) {
          disk.close(file, () => done(error));
          return;
        }
        disk.sync(file, (syncError) =>
          disk.close(file, (closeError) => done(syncError ?? closeError)),
        );
      };
      syncThenClose(truncateError);
    });
  });
}

function finish(
  options: WalOptions,
  segments: Segment[],
  entries: LogEntry[],
  callback: OpenWalCallback,
): void {
  const last = segments[segments.length - 1];
  if (last === undefined) {
    callback(null, new WriteAheadLog(options, segments, -1, 1), entries);
    return;
  }
  options.disk.open(joinPath(options.dir, last.name), OpenMode.readWrite, (error, file) => {
    if (error) return callback(error, null, []);
    callback(null, new WriteAheadLog(options, segments, file, last.lastIndex + 1), entries);
  });
}
