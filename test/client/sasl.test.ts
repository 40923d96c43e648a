// Proves Corral's own client's SASL DIGEST-MD5 login against Corral and against ZooKeeper 3.8
// configured from the same JAAS file and zoo.cfg keys: the user it logs in as owns nodes with
// sasl ACLs, an anonymous client is refused them, and a wrong password ends in the
// authFailed state with the client closed.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/client.js";
import { NoAuthError } from "../../src/client/errors.js";
import { startCorralServer } from "../support/corral-server.js";
import { realZooKeeperAvailable, startRealZooKeeper } from "../support/real-zookeeper.js";

const jaasText = `Server {
  org.apache.zookeeper.server.auth.DigestLoginModule required
  user_bob="bobsecret";
};
`;
const provider = "authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider";

const targets = [
  {
    name: "corral",
    skip: false as string | false,
    async start(jaas: string) {
      const s = await startCorralServer({
        extraConfig: [provider, `java.security.auth.login.config=${jaas}`],
      });
      return { port: s.port, stop: s.stop };
    },
  },
  {
    name: "zookeeper-3.8",
    skip: realZooKeeperAvailable() ? (false as const) : "Apache ZooKeeper is not installed",
    async start(jaas: string) {
      const zk = await startRealZooKeeper({
        extraConfig: [provider],
        systemProperties: { "java.security.auth.login.config": jaas },
      });
      return { port: zk.port, stop: zk.stop };
    },
  },
];

for (const target of targets) {
  test(`client SASL DIGEST-MD5: ${target.name}`, {
    skip: target.skip,
    timeout: 60000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "corral-client-sasl-"));
    const jaas = join(dir, "jaas.conf");
    writeFileSync(jaas, jaasText);
    const server = await target.start(jaas).catch((err: unknown) => {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    });
    try {
      const hosts = `127.0.0.1:${server.port}`;
      const bob = await ZooKeeperClient.connect(hosts, {
        sasl: { username: "bob", password: "bobsecret" },
        timeoutMs: 10000,
      });
      // Sent right after connect: it must already run as bob.
      await bob.create("/client-sasl", Buffer.from("bob's"), {
        acl: [{ perms: 31, id: { scheme: "sasl", id: "bob" } }],
      });
      assert.equal(Buffer.from((await bob.getData("/client-sasl")).data).toString(), "bob's");
      const anonymous = await ZooKeeperClient.connect(hosts, { timeoutMs: 10000 });
      await assert.rejects(anonymous.getData("/client-sasl"), NoAuthError);
      await anonymous.close();
      await bob.delete("/client-sasl");
      await bob.close();

      const wrong = new ZooKeeperClient(hosts, { sasl: { username: "bob", password: "nope" } });
      const states: string[] = [];
      wrong.on("state", (s: string) => states.push(s));
      wrong.on("error", () => {});
      const deadline = Date.now() + 10000;
      while (!wrong.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(wrong.closed, "the client closed");
      assert.ok(states.includes("authFailed"), `states: ${states.join(",")}`);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
