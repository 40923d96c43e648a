// Example: join a group, see the members; register and discover a service instance.
import { ZooKeeperClient } from "../../../src/client/index.js";
import { GroupMember, ServiceDiscovery } from "../../../src/recipes/index.js";
import { runIfMain } from "./run.js";

export async function main(connectString: string): Promise<{ members: number; instances: number }> {
  const zk = await ZooKeeperClient.connect(connectString);
  const member = new GroupMember(zk, "/examples/group", `worker-${zk.sessionIdHex}`, "10.0.0.7");
  const discovery = new ServiceDiscovery(zk, "/examples/services");
  try {
    await member.join();
    await discovery.register({ id: zk.sessionIdHex, name: "api", address: "10.0.0.7", port: 8080 });
    const instances = await discovery.instances("api");
    return { members: member.members().size, instances: instances.length };
  } finally {
    await discovery.close();
    await member.leave();
    await zk.close();
  }
}
runIfMain(import.meta.url, main);
