// Planted bugs for the member simulator (test-only, never used by the server): each breaks a
// promise the member makes, the way a real bug would, so the tests can prove the checkers
// catch it. They wrap what the harness hands the real code (the disk, the connection
// handler); the member, RaftLog and storage code run unchanged.
import type { ClientConnection, ClientConnectionHandler } from "../base/client-connection.js";
import type { Disk, FileHandle } from "../base/disk.js";
import { OpCode } from "../protocol/constants.js";

export type MemberPlantedBug =
  /** The WAL's group-commit fsync reports success without syncing: acks before durability. */
  | "lying-wal-fsync"
  /** The carrier hands every setData frame to the member twice: a write applied twice. */
  | "duplicate-write-frame";

export const memberPlantedBugs: readonly MemberPlantedBug[] = [
  "lying-wal-fsync",
  "duplicate-write-frame",
];

const walSegment = /\/wal-\d+\.log$/;

/**
 * `disk` with every fsync of a WAL segment after its first (the header's) answered as done
 * without syncing; `defer` runs the callback later, as the Disk contract wants.
 */
export function lyingWalFsync(disk: Disk, defer: (run: () => void) => void): Disk {
  /** Open WAL handles and whether their header's sync has been honoured. */
  const walHandles = new Map<FileHandle, boolean>();
  return {
    open: (path, mode, cb) =>
      disk.open(path, mode, (error, file) => {
        if (error === null && walSegment.test(path)) walHandles.set(file, false);
        cb(error, file);
      }),
    close: (file, cb) => {
      walHandles.delete(file);
      disk.close(file, cb);
    },
    sync: (file, cb) => {
      if (walHandles.get(file) === true) return defer(() => cb(null));
      if (walHandles.has(file)) walHandles.set(file, true);
      disk.sync(file, cb);
    },
    write: (file, data, offset, length, position, cb) =>
      disk.write(file, data, offset, length, position, cb),
    read: (file, target, offset, length, position, cb) =>
      disk.read(file, target, offset, length, position, cb),
    truncate: (file, size, cb) => disk.truncate(file, size, cb),
    size: (file, cb) => disk.size(file, cb),
    list: (dir, cb) => disk.list(dir, cb),
    rename: (from, to, cb) => disk.rename(from, to, cb),
    remove: (path, cb) => disk.remove(path, cb),
    syncDir: (dir, cb) => disk.syncDir(dir, cb),
    mkdir: (dir, cb) => disk.mkdir(dir, cb),
  };
}

/** `member` behind a carrier that delivers each setData request frame twice. */
export function duplicatingSetData(member: ClientConnectionHandler): ClientConnectionHandler {
  return {
    connected: (c: ClientConnection) => member.connected(c),
    disconnected: (c: ClientConnection) => member.disconnected(c),
    fourLetterWord: (c: ClientConnection, word: string) => member.fourLetterWord(c, word),
    frame: (c: ClientConnection, body: Uint8Array) => {
      member.frame(c, body);
      // Request frames start with xid and opcode; the ConnectRequest never has opcode 5 there.
      if (
        body.length >= 8 &&
        new DataView(body.buffer, body.byteOffset).getInt32(4) === OpCode.setData
      ) {
        member.frame(c, body);
      }
    },
  };
}
