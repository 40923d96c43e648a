// Example: cluster-unique IDs, one round trip each or in locally handed-out blocks.
import { ZooKeeperClient } from "../../../src/client/index.js";
import { BlockIdAllocator, SequentialIdGenerator } from "../../../src/recipes/index.js";
import { runIfMain } from "./run.js";

export async function main(connectString: string): Promise<{ increasing: boolean }> {
  const zk = await ZooKeeperClient.connect(connectString);
  try {
    const seq = new SequentialIdGenerator(zk, "/examples/ids");
    const blocks = new BlockIdAllocator(zk, "/examples/id-blocks", 100);
    const a = await seq.next();
    const b = await seq.next();
    const c = await blocks.next();
    const d = await blocks.next();
    return { increasing: b > a && d === c + 1 };
  } finally {
    await zk.close();
  }
}
runIfMain(import.meta.url, main);
