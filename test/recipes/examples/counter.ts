// Example: an atomic counter shared by every process.
import { ZooKeeperClient } from "../../../src/client/index.js";
import { DistributedCounter } from "../../../src/recipes/index.js";
import { runIfMain } from "./run.js";

export async function main(connectString: string): Promise<{ increased: boolean }> {
  const zk = await ZooKeeperClient.connect(connectString);
  try {
    const counter = new DistributedCounter(zk, "/examples/counter");
    const { preValue, postValue } = await counter.increment();
    return { increased: postValue === preValue + 1 };
  } finally {
    await zk.close();
  }
}
runIfMain(import.meta.url, main);
