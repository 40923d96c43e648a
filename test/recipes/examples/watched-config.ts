// Example: a typed configuration value that follows changes.
import { ZooKeeperClient } from "../../../src/client/index.js";
import { WatchedConfig } from "../../../src/recipes/index.js";
import { runIfMain } from "./run.js";

export async function main(connectString: string): Promise<{ limit: number }> {
  const zk = await ZooKeeperClient.connect(connectString);
  const config = new WatchedConfig(zk, `/examples/config-${Date.now()}`, { limit: 10 });
  try {
    await config.start();
    const changed = new Promise<void>((r) => config.once("change", () => r()));
    await config.set({ limit: 20 });
    await changed;
    return { limit: config.value.limit };
  } finally {
    await config.close();
    await zk.close();
  }
}
runIfMain(import.meta.url, main);
