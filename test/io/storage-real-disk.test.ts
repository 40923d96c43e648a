// Proves storage works on the real file system through NodeDisk: entries, hard state and
// snapshots round-trip across reopen, segments roll and purge, a torn tail written by a
// real truncation is cut, mid-log damage refuses to start; and a child process appending
// under group commit and killed with SIGKILL at random moments never loses an entry it
// reported acknowledged; a disk that fills up mid-write fails the appends concerned and
// leaves every acknowledged entry readable. Temp dirs are removed; the child is always
// stopped.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { DiskError, type DoneCallback, type FileHandle } from "../../src/base/disk.js";
import { NodeDisk } from "../../src/io/node-disk.js";
import { StorageCorruptionError } from "../../src/storage/errors.js";
import { openStorage, type Recovered, type Storage } from "../../src/storage/storage.js";
import { segmentName } from "../../src/storage/wal-format.js";
import { payloadFor, RecordingLogger, termFor } from "../storage/harness.js";

const root = mkdtempSync(join(tmpdir(), "corral-storage-"));
const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(root, { recursive: true, force: true });
});

let dirCount = 0;
function freshDir(): string {
  return join(root, `d${dirCount++}`);
}

/**
 * The real disk with a byte budget: a write beyond it writes what fits to the real file and
 * fails with ENOSPC, as a full file system does.
 */
class FillingDisk extends NodeDisk {
  budgetBytes = Number.POSITIVE_INFINITY;
  override write(
    file: FileHandle,
    data: Uint8Array,
    offset: number,
    length: number,
    position: number,
    callback: DoneCallback,
  ): void {
    if (length <= this.budgetBytes) {
      this.budgetBytes -= length;
      super.write(file, data, offset, length, position, callback);
      return;
    }
    const fits = Math.max(0, this.budgetBytes);
    this.budgetBytes = 0;
    super.write(file, data, offset, fits, position, (error) =>
      callback(error ?? new DiskError("ENOSPC", "write", `fd ${file}`)),
    );
  }
}

function openAt(
  dir: string,
  logger = new RecordingLogger(),
  segmentBytesMax = 4096,
  disk = new NodeDisk(),
) {
  return new Promise<{ error: Error | null; storage: Storage | null; recovered: Recovered | null }>(
    (resolve) =>
      openStorage(
        {
          disk,
          logDir: join(dir, "log"),
          snapDir: join(dir, "snap"),
          logger,
          segmentBytesMax,
        },
        (error, storage, recovered) => resolve({ error, storage, recovered }),
      ),
  );
}

async function mustOpen(dir: string, logger = new RecordingLogger()) {
  const { error, storage, recovered } = await openAt(dir, logger);
  assert.equal(error, null);
  return { storage: storage!, recovered: recovered! };
}

function appendAll(storage: Storage, from: number, to: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let left = to - from + 1;
    for (let i = from; i <= to; i++) {
      storage.append(i, termFor(i), i % 3, payloadFor(i), (error) => {
        if (error) reject(error);
        else if (--left === 0) resolve();
      });
    }
  });
}

const done = (storage: Storage, what: "close" | "purge") =>
  new Promise<void>((resolve, reject) => storage[what]((e) => (e ? reject(e) : resolve())));

function checkRange(recovered: Recovered, from: number, to: number): void {
  assert.equal(recovered.entries.length, to - from + 1);
  recovered.entries.forEach((e, i) => {
    assert.equal(e.index, from + i);
    assert.equal(e.term, termFor(e.index));
    assert.deepEqual(e.data, payloadFor(e.index));
  });
}

test("round trip on the real disk: log, hard state, snapshots, purge", async () => {
  const dir = freshDir();
  const first = await mustOpen(dir);
  // In steps, so that batches (and thus segments, which roll between batches) stay small.
  for (let i = 1; i <= 500; i += 50) await appendAll(first.storage, i, i + 49);
  await new Promise<void>((resolve, reject) =>
    first.storage.saveHardState({ term: 4, vote: 1, commit: 480 }, (e) =>
      e ? reject(e) : resolve(),
    ),
  );
  for (const index of [100, 200, 300, 400]) {
    await new Promise<void>((resolve, reject) =>
      first.storage.saveSnapshot(
        { lastIndex: index, lastTerm: termFor(index), config: new Uint8Array([index & 0xff]) },
        payloadFor(index, 5000),
        (e) => (e ? reject(e) : resolve()),
      ),
    );
  }
  await done(first.storage, "purge");
  assert.deepEqual(first.storage.snapshotIndexes(), [200, 300, 400]);
  assert.ok(first.storage.wal.firstIndex > 1 && first.storage.wal.firstIndex <= 201);
  await done(first.storage, "close");
  const second = await mustOpen(dir);
  assert.equal(second.recovered.snapshot!.meta.lastIndex, 400);
  assert.deepEqual(second.recovered.snapshot!.state, payloadFor(400, 5000));
  assert.deepEqual(second.recovered.hardState, { term: 4, vote: 1, commit: 480 });
  checkRange(second.recovered, 401, 500);
  await done(second.storage, "close");
});

test("a torn tail on the real disk is cut; mid-log damage refuses", async () => {
  const dir = freshDir();
  const { storage } = await mustOpen(dir);
  for (let i = 1; i <= 40; i += 4) await appendAll(storage, i, i + 3);
  await done(storage, "close");
  const path = join(dir, "log", segmentName(1));
  const size = readFileSync(path).length;
  truncateSync(path, size - 5);
  const logger = new RecordingLogger();
  const torn = await mustOpen(dir, logger);
  checkRange(torn.recovered, 1, 39);
  assert.ok(logger.has(/truncating torn WAL tail/));
  await done(torn.storage, "close");
  const bytes = readFileSync(path);
  bytes[200] ^= 0x40;
  writeFileSync(path, bytes);
  const refused = await openAt(dir);
  assert.ok(refused.error instanceof StorageCorruptionError, String(refused.error));
});

test("disk full on the real disk: failing appends get ENOSPC, acknowledged entries survive", async () => {
  const dir = freshDir();
  const disk = new FillingDisk();
  const logger = new RecordingLogger();
  const opened = await openAt(dir, logger, 1 << 20, disk);
  assert.equal(opened.error, null);
  const storage = opened.storage!;
  for (let i = 1; i <= 100; i += 10) await appendAll(storage, i, i + 9);
  disk.budgetBytes = 150;
  const codes: string[] = [];
  await new Promise<void>((resolve) => {
    for (let i = 101; i <= 120; i++) {
      storage.append(i, termFor(i), i % 3, payloadFor(i), (error) => {
        codes.push(error === null ? "ok" : (error as DiskError).code);
        if (codes.length === 20) resolve();
      });
    }
  });
  const failedAt = codes.indexOf("ENOSPC");
  assert.ok(failedAt >= 0, codes.join());
  assert.ok(
    codes.slice(failedAt).every((c) => c === "ENOSPC"),
    codes.join(),
  );
  assert.ok(logger.has(/ERROR storage: write-ahead log failed/));
  await done(storage, "close"); // a failed log still releases its files
  const reopened = await mustOpen(dir);
  assert.ok(reopened.recovered.entries.length >= 100 + failedAt);
  checkRange(reopened.recovered, 1, reopened.recovered.entries.length);
  await done(reopened.storage, "close");
});

test("kill -9 during group-committed appends loses no acknowledged entry", async () => {
  const dir = freshDir();
  const script = join(dirname(fileURLToPath(import.meta.url)), "wal-child.js");
  let acknowledged = 0;
  const seed = Date.now() % 100000;
  console.log(`kill -9 test delays derive from seed ${seed}`);
  let state = seed;
  const nextDelay = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return 20 + (state % 150);
  };
  for (let round = 0; round < 4; round++) {
    const child = spawn(process.execPath, [script, dir], { stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr!.on("data", (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    // Wait until it is appending, then give it a random while before the kill.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`child never acknowledged: ${stderr}`)),
        10_000,
      );
      const check = () => {
        if (/ack \d+/.test(stdout)) {
          clearTimeout(timer);
          child.stdout!.off("data", check);
          resolve();
        }
      };
      child.stdout!.on("data", check);
    });
    await new Promise((resolve) => setTimeout(resolve, nextDelay()));
    child.kill("SIGKILL");
    await exited;
    children.delete(child);
    const acked = [...stdout.matchAll(/ack (\d+)\n/g)].map((m) => Number(m[1]));
    assert.ok(acked.length > 0, stderr);
    const highest = Math.max(...acked);
    acknowledged += acked.length;
    const { storage, recovered } = await mustOpen(dir);
    assert.ok(
      recovered.entries.length >= highest,
      `round ${round}: acknowledged ${highest} but recovered ${recovered.entries.length}`,
    );
    checkRange(recovered, 1, recovered.entries.length);
    await done(storage, "close");
  }
  assert.ok(acknowledged > 100, `only ${acknowledged} acknowledgements`);
});
