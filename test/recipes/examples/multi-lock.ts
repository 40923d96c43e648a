// Example: take two locks as one, in a deadlock-free order.
import { ZooKeeperClient } from "../../../src/client/index.js";
import { MultiLock } from "../../../src/recipes/index.js";
import { runIfMain } from "./run.js";

export async function main(connectString: string): Promise<{ parts: number }> {
  const zk = await ZooKeeperClient.connect(connectString);
  try {
    const lease = await new MultiLock(zk, [
      "/examples/accounts/a",
      "/examples/accounts/b",
    ]).acquire();
    await lease.release();
    return { parts: lease.parts.length };
  } finally {
    await zk.close();
  }
}
runIfMain(import.meta.url, main);
