// Example: at-least-once processing; an item is deleted only when processing completes.
import { ZooKeeperClient } from "../../../src/client/index.js";
import { LockingQueue } from "../../../src/recipes/index.js";
import { runIfMain } from "./run.js";

export async function main(connectString: string): Promise<{ processed: string }> {
  const zk = await ZooKeeperClient.connect(connectString);
  try {
    const q = new LockingQueue(zk, `/examples/jobs-${Date.now()}`);
    await q.put("resize image 42");
    const item = await q.take({ timeoutMs: 10000 });
    // ... process item.data; a crash here returns the item to the queue ...
    await item.complete();
    return { processed: item.data.toString() };
  } finally {
    await zk.close();
  }
}
runIfMain(import.meta.url, main);
