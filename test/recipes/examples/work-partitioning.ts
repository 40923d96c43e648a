// Example: split keys among group members by consistent hashing.
import { ZooKeeperClient } from "../../../src/client/index.js";
import { WorkPartitioner } from "../../../src/recipes/index.js";
import { runIfMain } from "./run.js";

export async function main(connectString: string): Promise<{ mine: number }> {
  const zk = await ZooKeeperClient.connect(connectString);
  const partitioner = new WorkPartitioner(zk, `/examples/partition-${Date.now()}`, "only-member");
  try {
    await partitioner.start();
    const keys = ["tenant-1", "tenant-2", "tenant-3"];
    while (partitioner.memberIds.length === 0) await new Promise((r) => setTimeout(r, 10));
    return { mine: partitioner.myKeys(keys).length };
  } finally {
    await partitioner.close();
    await zk.close();
  }
}
runIfMain(import.meta.url, main);
