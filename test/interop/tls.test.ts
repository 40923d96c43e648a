// Proves the secure client port with unmodified clients, against Corral and against the
// real ZooKeeper 3.8 started from the same zoo.cfg lines and the same store files
// (PKCS12 key and trust stores generated at test time): kazoo's TLS client with a trusted
// certificate is served, and without a certificate, with a certificate from another CA, or
// without TLS it is refused; the Java client with zookeeper.client.secure=true and
// ClientCnxnSocketNetty is served and refuses a server its trust store does not vouch for;
// four-letter words are answered over TLS; the default protocol is TLSv1.2 alone; x509 ids,
// ACLs and the x509 superUser behave the same.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { connect } from "node:tls";
import {
  createTestPki,
  pkiToolsAvailable,
  storePassword,
  type TestPki,
} from "../support/certificates.js";
import { startCorralServer } from "../support/corral-server.js";
import { kazooMissing, python } from "../support/kazoo.js";
import { freePort } from "../support/ports.js";
import { realZooKeeperAvailable, startRealZooKeeper } from "../support/real-zookeeper.js";
import { javaUnavailableReason, runJavaProgram, zookeeperClientJars } from "./java-programs.js";
import { scenarioFile } from "./scenario-files.js";
import { reportChecks, runProgram } from "./scenario-program.js";

function secureConfig(pki: TestPki, securePort: number, extra: string[]): string[] {
  return [
    ...extra,
    `secureClientPort=${securePort}`,
    // ZooKeeper serves TLS only with its Netty factory; Corral accepts the key and ignores it.
    "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory",
    `ssl.keyStore.location=${pki.serverP12}`,
    `ssl.keyStore.password=${storePassword}`,
    `ssl.trustStore.location=${pki.trustP12}`,
    `ssl.trustStore.password=${storePassword}`,
  ];
}

interface Secure {
  securePort: number;
  stop(): Promise<void>;
}

const targets: {
  name: string;
  skip: string | false;
  start(pki: TestPki, extra?: string[]): Promise<Secure>;
}[] = [
  {
    name: "corral",
    skip: false,
    async start(pki, extra = []) {
      const securePort = await freePort();
      const server = await startCorralServer({
        extraConfig: secureConfig(pki, securePort, extra),
      });
      return { securePort, stop: server.stop };
    },
  },
  {
    name: "zookeeper-3.8",
    skip: realZooKeeperAvailable() ? false : "Apache ZooKeeper is not installed",
    async start(pki, extra = []) {
      const securePort = await freePort();
      const zk = await startRealZooKeeper({ extraConfig: secureConfig(pki, securePort, extra) });
      return { securePort, stop: zk.stop };
    },
  },
];

function fourLetterWordOverTls(pki: TestPki, port: number, word: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: "127.0.0.1",
      port,
      ca: readFileSync(pki.caPem),
      key: readFileSync(pki.clientKey),
      cert: readFileSync(pki.clientCert),
    });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${word} over TLS: no answer`));
    }, 10000);
    socket.on("secureConnect", () => socket.write(word));
    socket.on("data", (d) => chunks.push(d));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString());
    });
  });
}

for (const target of targets) {
  const skip = target.skip || pkiToolsAvailable() || false;
  test(`TLS client port: ${target.name}`, { skip, timeout: 120000 }, async (t) => {
    const pki = createTestPki();
    const server = await target.start(pki).catch((err: unknown) => {
      pki.remove();
      throw err;
    });
    const hosts = `127.0.0.1:${server.securePort}`;
    try {
      await t.test("ruok over TLS", async () => {
        assert.equal(await fourLetterWordOverTls(pki, server.securePort, "ruok"), "imok");
      });
      await t.test(
        "the default protocol is TLSv1.2 alone: a TLSv1.3-only client is refused",
        async () => {
          const version = (minVersion: "TLSv1.2" | "TLSv1.3") =>
            new Promise<string>((resolve) => {
              const socket = connect({
                host: "127.0.0.1",
                port: server.securePort,
                ca: readFileSync(pki.caPem),
                key: readFileSync(pki.clientKey),
                cert: readFileSync(pki.clientCert),
                minVersion,
              });
              socket.on("secureConnect", () => {
                resolve(socket.getProtocol() ?? "none");
                socket.destroy();
              });
              socket.on("error", () => resolve("refused"));
            });
          assert.equal(await version("TLSv1.2"), "TLSv1.2");
          assert.equal(await version("TLSv1.3"), "refused");
        },
      );
      await t.test("kazoo", { skip: kazooMissing() ?? false }, async (k) => {
        const result = await runProgram(
          python,
          [scenarioFile("kazoo_tls_scenarios.py"), hosts, pki.dir],
          { timeoutMs: 60000 },
        );
        await reportChecks(k, result, [
          "trusted",
          "no-certificate",
          "untrusted-certificate",
          "plain-client",
        ]);
      });
      const javaSkip = javaUnavailableReason(zookeeperClientJars) ?? false;
      await t.test("java client", { skip: javaSkip }, async (j) => {
        const result = await runJavaProgram(
          "JavaTlsScenarios.java",
          [...zookeeperClientJars, "netty-codec.jar", "netty-resolver.jar"],
          [hosts, pki.dir],
          60000,
        );
        await reportChecks(j, result, ["trusted", "untrusted-server"]);
      });
    } finally {
      await server.stop();
      pki.remove();
    }
  });

  test(`x509 ACL scheme: ${target.name}`, {
    skip: skip || kazooMissing() || false,
    timeout: 120000,
  }, async (t) => {
    const pki = createTestPki();
    const server = await target
      .start(pki, [
        "ssl.clientAuth=want",
        "authProvider.x509=org.apache.zookeeper.server.auth.X509AuthenticationProvider",
        "X509AuthenticationProvider.superUser=O=corral-tests,CN=client",
      ])
      .catch((err: unknown) => {
        pki.remove();
        throw err;
      });
    try {
      const result = await runProgram(
        python,
        [scenarioFile("kazoo_x509_scenarios.py"), `127.0.0.1:${server.securePort}`, pki.dir],
        { timeoutMs: 60000 },
      );
      await reportChecks(t, result, ["x509"]);
    } finally {
      await server.stop();
      pki.remove();
    }
  });
}
