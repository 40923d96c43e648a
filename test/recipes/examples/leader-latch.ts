// Example: become leader, do leader work while leadership lasts, then step down.
import { ZooKeeperClient } from "../../../src/client/index.js";
import { LeaderLatch } from "../../../src/recipes/index.js";
import { runIfMain } from "./run.js";

export async function main(connectString: string): Promise<{ leader: boolean }> {
  const zk = await ZooKeeperClient.connect(connectString);
  const latch = new LeaderLatch(zk, "/examples/latch", "example");
  try {
    latch.on("notLeader", () => console.error("leadership lost: stop leader work"));
    latch.start();
    await latch.awaitLeadership(AbortSignal.timeout(10000));
    return { leader: latch.hasLeadership };
  } finally {
    await latch.close();
    await zk.close();
  }
}
runIfMain(import.meta.url, main);
