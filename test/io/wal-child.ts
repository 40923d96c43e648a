// Child process for the kill -9 test in storage-real-disk.test.ts (not a test by itself):
// recovers storage in the directory given as argv[2], then appends entries as fast as group
// commit allows and prints "ack <index>" for each one whose callback reported success. The
// parent kills it with SIGKILL at a moment of its choosing.
import { NodeDisk } from "../../src/io/node-disk.js";
import { openStorage } from "../../src/storage/storage.js";
import { payloadFor, termFor } from "../storage/harness.js";

const dir = process.argv[2];
const quiet = { info() {}, warn() {}, error: (m: string) => process.stderr.write(`${m}\n`) };
openStorage(
  {
    disk: new NodeDisk(),
    logDir: `${dir}/log`,
    snapDir: `${dir}/snap`,
    logger: quiet,
    segmentBytesMax: 64 * 1024,
  },
  (error, storage, recovered) => {
    if (error || storage === null || recovered === null) {
      process.stderr.write(`recovery failed: ${error}\n`);
      process.exit(2);
    }
    let next = storage.wal.nextAppendIndex;
    process.stdout.write(`ready ${next}\n`);
    const pump = (): void => {
      // Keep a bounded number of appends in flight so batches form.
      for (let k = 0; k < 50; k++) {
        const index = next++;
        storage.append(index, termFor(index), index % 3, payloadFor(index), (appendError) => {
          if (appendError) {
            process.stderr.write(`append ${index} failed: ${appendError.message}\n`);
            process.exit(3);
          }
          process.stdout.write(`ack ${index}\n`);
          if (index === next - 1) setImmediate(pump);
        });
      }
    };
    pump();
  },
);
