// Example: two participants enter together and leave together.
import { ZooKeeperClient } from "../../../src/client/index.js";
import { DoubleBarrier } from "../../../src/recipes/index.js";
import { runIfMain } from "./run.js";

export async function main(connectString: string): Promise<{ members: number }> {
  const a = await ZooKeeperClient.connect(connectString);
  const b = await ZooKeeperClient.connect(connectString);
  try {
    const path = `/examples/double-barrier-${Date.now()}`;
    const [ba, bb] = [new DoubleBarrier(a, path, 2), new DoubleBarrier(b, path, 2)];
    await Promise.all([ba.enter({ timeoutMs: 10000 }), bb.enter({ timeoutMs: 10000 })]);
    await Promise.all([ba.leave({ timeoutMs: 10000 }), bb.leave({ timeoutMs: 10000 })]);
    return { members: 2 };
  } finally {
    await a.close();
    await b.close();
  }
}
runIfMain(import.meta.url, main);
