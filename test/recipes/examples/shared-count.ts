// Example: a watched count every participant sees change.
import { ZooKeeperClient } from "../../../src/client/index.js";
import { SharedCount } from "../../../src/recipes/index.js";
import { runIfMain } from "./run.js";

export async function main(connectString: string): Promise<{ set: boolean }> {
  const zk = await ZooKeeperClient.connect(connectString);
  const count = new SharedCount(zk, "/examples/shared-count", 0);
  try {
    await count.start();
    const set = await count.trySetCount(count.count + 1);
    return { set };
  } finally {
    await count.close();
    await zk.close();
  }
}
runIfMain(import.meta.url, main);
