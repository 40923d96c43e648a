// Example: many readers share, one writer excludes.
import { ZooKeeperClient } from "../../../src/client/index.js";
import { ReadWriteLock } from "../../../src/recipes/index.js";
import { runIfMain } from "./run.js";

export async function main(connectString: string): Promise<{ readers: number }> {
  const zk = await ZooKeeperClient.connect(connectString);
  try {
    const lock = new ReadWriteLock(zk, "/examples/rwlock");
    const r1 = await lock.read.acquire();
    const r2 = await lock.read.acquire();
    await r1.release();
    await r2.release();
    const w = await lock.write.acquire({ timeoutMs: 10000 });
    await w.release();
    return { readers: 2 };
  } finally {
    await zk.close();
  }
}
runIfMain(import.meta.url, main);
