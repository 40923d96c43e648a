// Example: node, children and tree caches kept current by watches.
import { ZooKeeperClient } from "../../../src/client/index.js";
import { ChildrenCache, NodeCache, TreeCache } from "../../../src/recipes/index.js";
import { runIfMain } from "./run.js";

export async function main(
  connectString: string,
): Promise<{ children: number; nodes: number; data: string }> {
  const zk = await ZooKeeperClient.connect(connectString);
  const root = `/examples/caches-${Date.now()}`;
  await zk.create(root, "root");
  await zk.create(`${root}/a`, "1");
  const node = new NodeCache(zk, root);
  const kids = new ChildrenCache(zk, root);
  const tree = new TreeCache(zk, root);
  try {
    await Promise.all([node.start(), kids.start(), tree.start()]);
    return {
      children: kids.current.size,
      nodes: tree.current.size,
      data: String(node.current?.data),
    };
  } finally {
    await Promise.all([node.close(), kids.close(), tree.close()]);
    await zk.close();
  }
}
runIfMain(import.meta.url, main);
