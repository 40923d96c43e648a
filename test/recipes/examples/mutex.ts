// Example: a reentrant distributed mutex guarding a resource with a fencing token.
import { ZooKeeperClient } from "../../../src/client/index.js";
import { Mutex } from "../../../src/recipes/index.js";
import { runIfMain } from "./run.js";

export async function main(connectString: string): Promise<{ token: number }> {
  const zk = await ZooKeeperClient.connect(connectString);
  try {
    const lease = await new Mutex(zk, "/examples/mutex").acquire({ timeoutMs: 10000 });
    try {
      // Hand lease.token to the guarded resource; it refuses writes with older tokens.
      if (lease.lost.aborted) throw new Error("lock lost");
      return { token: lease.token };
    } finally {
      await lease.release();
    }
  } finally {
    await zk.close();
  }
}
runIfMain(import.meta.url, main);
