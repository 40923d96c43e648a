// Example: at most two concurrent holders of a lease.
import { ZooKeeperClient } from "../../../src/client/index.js";
import { Semaphore } from "../../../src/recipes/index.js";
import { runIfMain } from "./run.js";

export async function main(connectString: string): Promise<{ leases: number }> {
  const zk = await ZooKeeperClient.connect(connectString);
  try {
    const leases = await new Semaphore(zk, "/examples/semaphore", 2).acquireMany(2, {
      timeoutMs: 10000,
    });
    for (const l of leases) await l.release();
    return { leases: leases.length };
  } finally {
    await zk.close();
  }
}
runIfMain(import.meta.url, main);
