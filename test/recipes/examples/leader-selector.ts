// Example: take turns at leadership; returning from the callback relinquishes.
import { ZooKeeperClient } from "../../../src/client/index.js";
import { LeaderSelector } from "../../../src/recipes/index.js";
import { runIfMain } from "./run.js";

export async function main(connectString: string): Promise<{ turns: number }> {
  const zk = await ZooKeeperClient.connect(connectString);
  let turns = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const selector = new LeaderSelector(zk, "/examples/selector", async (signal) => {
    turns++;
    if (!signal.aborted && turns === 2) done();
  });
  try {
    selector.start();
    await finished;
    return { turns };
  } finally {
    await selector.close();
    await zk.close();
  }
}
runIfMain(import.meta.url, main);
