// Example: workers wait at a barrier until a coordinator removes it.
import { ZooKeeperClient } from "../../../src/client/index.js";
import { Barrier } from "../../../src/recipes/index.js";
import { runIfMain } from "./run.js";

export async function main(connectString: string): Promise<{ released: boolean }> {
  const zk = await ZooKeeperClient.connect(connectString);
  try {
    const barrier = new Barrier(zk, "/examples/barrier");
    await barrier.set();
    const waiting = barrier.wait({ timeoutMs: 10000 });
    await barrier.remove();
    await waiting;
    return { released: true };
  } finally {
    await zk.close();
  }
}
runIfMain(import.meta.url, main);
