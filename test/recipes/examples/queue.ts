// Example: a FIFO work queue and a priority queue.
import { ZooKeeperClient } from "../../../src/client/index.js";
import { DistributedQueue } from "../../../src/recipes/index.js";
import { runIfMain } from "./run.js";

export async function main(connectString: string): Promise<{ first: string }> {
  const zk = await ZooKeeperClient.connect(connectString);
  try {
    const q = new DistributedQueue(zk, `/examples/queue-${Date.now()}`);
    await q.put("later", 5);
    await q.put("urgent", 1);
    const first = (await q.take({ timeoutMs: 10000 })).toString();
    await q.take({ timeoutMs: 10000 });
    return { first };
  } finally {
    await zk.close();
  }
}
runIfMain(import.meta.url, main);
