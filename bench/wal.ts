// Measures the write-ahead log on the real disk: appends per second and fsyncs per second
// under group commit, for a few payload sizes and numbers of appends kept in flight (the
// in-flight count plays the part of concurrent client writes). Runs in a temp dir that is
// removed afterwards. Usage: node dist/bench/wal.js [seconds per case, default 2]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeDisk } from "../src/io/node-disk.js";
import { openStorage, type Storage } from "../src/storage/storage.js";

const secondsPerCase = Number(process.argv[2] ?? 2);
const quiet = { info() {}, warn() {}, error: (m: string) => console.error(m) };

function open(dir: string): Promise<Storage> {
  return new Promise((resolve, reject) =>
    openStorage(
      { disk: new NodeDisk(), logDir: dir, snapDir: dir, logger: quiet },
      (error, storage) => (error ? reject(error) : resolve(storage!)),
    ),
  );
}

async function runCase(payloadBytes: number, inFlight: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "corral-bench-wal-"));
  try {
    const storage = await open(dir);
    const payload = new Uint8Array(payloadBytes).fill(7);
    let next = storage.wal.nextAppendIndex;
    let acked = 0;
    let outstanding = 0;
    const deadline = performance.now() + secondsPerCase * 1000;
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      // One callback function for every append: no closure per append.
      const onDurable = (error: Error | null): void => {
        if (error) {
          reject(error);
          return;
        }
        acked++;
        outstanding--;
        if (performance.now() < deadline) fill();
        else if (outstanding === 0) resolve();
      };
      const fill = (): void => {
        while (outstanding < inFlight) {
          outstanding++;
          storage.append(next++, 1, 0, payload, onDurable);
        }
      };
      fill();
    });
    const seconds = (performance.now() - started) / 1000;
    const { fsyncs, batches, bytesWritten } = storage.wal.stats;
    console.log(
      `payload ${String(payloadBytes).padStart(5)} B, in flight ${String(inFlight).padStart(4)}: ` +
        `${Math.round(acked / seconds)
          .toLocaleString("en")
          .padStart(9)} appends/s, ` +
        `${Math.round(fsyncs / seconds)
          .toLocaleString("en")
          .padStart(6)} fsyncs/s, ` +
        `${(acked / batches).toFixed(1).padStart(6)} appends/batch, ` +
        `${(bytesWritten / seconds / 1e6).toFixed(1).padStart(6)} MB/s`,
    );
    await new Promise<void>((resolve, reject) => storage.close((e) => (e ? reject(e) : resolve())));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const [payload, inFlight] of [
  [100, 1],
  [100, 64],
  [100, 1024],
  [1000, 1024],
  [10000, 256],
] as const) {
  await runCase(payload, inFlight);
}
