// Proves Corral's own client over TLS against Corral's secure client port (and against
// ZooKeeper 3.8's, configured from the same lines, when installed): with a trusted client
// certificate it opens a session, writes and reads; it verifies the server's certificate and
// name (127.0.0.1 is in the certificate); without a client certificate the server refuses
// it and connect times out rather than opening a session.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/client.js";
import {
  createTestPki,
  pkiToolsAvailable,
  storePassword,
  type TestPki,
} from "../support/certificates.js";
import { startCorralServer } from "../support/corral-server.js";
import { freePort } from "../support/ports.js";
import { realZooKeeperAvailable, startRealZooKeeper } from "../support/real-zookeeper.js";

function lines(pki: TestPki, securePort: number): string[] {
  return [
    `secureClientPort=${securePort}`,
    "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory",
    `ssl.keyStore.location=${pki.serverP12}`,
    `ssl.keyStore.password=${storePassword}`,
    `ssl.trustStore.location=${pki.trustP12}`,
    `ssl.trustStore.password=${storePassword}`,
  ];
}

const targets = [
  {
    name: "corral",
    skip: false as string | false,
    async start(pki: TestPki, port: number) {
      return (await startCorralServer({ extraConfig: lines(pki, port) })).stop;
    },
  },
  {
    name: "zookeeper-3.8",
    skip: realZooKeeperAvailable() ? (false as const) : "Apache ZooKeeper is not installed",
    async start(pki: TestPki, port: number) {
      return (await startRealZooKeeper({ extraConfig: lines(pki, port) })).stop;
    },
  },
];

for (const target of targets) {
  test(`client over TLS: ${target.name}`, {
    skip: target.skip || pkiToolsAvailable() || false,
    timeout: 60000,
  }, async () => {
    const pki = createTestPki();
    const port = await freePort();
    const stop = await target.start(pki, port).catch((err: unknown) => {
      pki.remove();
      throw err;
    });
    try {
      const ca = readFileSync(pki.caPem);
      const client = await ZooKeeperClient.connect(`127.0.0.1:${port}`, {
        tls: { ca, key: readFileSync(pki.clientKey), cert: readFileSync(pki.clientCert) },
        timeoutMs: 10000,
      });
      await client.create("/client-tls", Buffer.from("tls"));
      assert.equal(Buffer.from((await client.getData("/client-tls")).data).toString(), "tls");
      await client.delete("/client-tls");
      await client.close();
      await assert.rejects(
        ZooKeeperClient.connect(`127.0.0.1:${port}`, { tls: { ca }, timeoutMs: 3000 }),
      );
    } finally {
      await stop();
      pki.remove();
    }
  });
}
