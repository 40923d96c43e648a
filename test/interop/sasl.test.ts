// Proves SASL DIGEST-MD5 with unmodified clients, against Corral and against the real
// ZooKeeper 3.8 configured alike (one JAAS file, the same zoo.cfg keys): kazoo's current
// (sasl_options) and legacy (auth_data "sasl") forms and the Java client's JAAS login
// authenticate; sasl ACLs, the auth scheme expanding to the sasl id, digest ACLs and the
// superUser are enforced the same way on both; a wrong password is refused (kazoo) and
// raises AuthFailed (Java); and with enforce.auth.enabled a connection that has not
// authenticated gets SESSIONCLOSEDREQUIRESASLAUTH on its first request and is closed.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { OpCode } from "../../src/protocol/constants.js";
import { RawConnection } from "../server/raw-client.js";
import { startCorralServer } from "../support/corral-server.js";
import { kazooMissing, python } from "../support/kazoo.js";
import { realZooKeeperAvailable, startRealZooKeeper } from "../support/real-zookeeper.js";
import { javaUnavailableReason, runJavaProgram, zookeeperClientJars } from "./java-programs.js";
import { scenarioFile } from "./scenario-files.js";
import { reportChecks, runProgram } from "./scenario-program.js";

const jaasText = `
Server {
  org.apache.zookeeper.server.auth.DigestLoginModule required
  user_admin="adminsecret"
  user_bob="bobsecret"
  user_alice="alicesecret";
};
ClientBob {
  org.apache.zookeeper.server.auth.DigestLoginModule required
  username="bob"
  password="bobsecret";
};
ClientWrong {
  org.apache.zookeeper.server.auth.DigestLoginModule required
  username="bob"
  password="not-bobs";
};
`;

const saslConfig = [
  "authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
  "superUser=admin",
];

interface Started {
  port: number;
  stop(): Promise<void>;
}

type Start = (jaas: string, extra: string[]) => Promise<Started>;

const targets: { name: string; skip: string | false; start: Start }[] = [
  {
    name: "corral",
    skip: false,
    async start(jaas, extra) {
      const s = await startCorralServer({
        extraConfig: [...saslConfig, `java.security.auth.login.config=${jaas}`, ...extra],
      });
      return { port: s.port, stop: s.stop };
    },
  },
  {
    name: "zookeeper-3.8",
    skip: realZooKeeperAvailable() ? false : "Apache ZooKeeper is not installed",
    async start(jaas, extra) {
      // ZooKeeper takes the JAAS file only as a JVM system property.
      const zk = await startRealZooKeeper({
        extraConfig: [...saslConfig, ...extra],
        systemProperties: { "java.security.auth.login.config": jaas },
      });
      return { port: zk.port, stop: zk.stop };
    },
  },
];

for (const target of targets) {
  test(`SASL DIGEST-MD5: ${target.name}`, { skip: target.skip, timeout: 180000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "corral-sasl-"));
    const jaas = join(dir, "jaas.conf");
    writeFileSync(jaas, jaasText);
    try {
      const server = await target.start(jaas, []);
      try {
        const hosts = `127.0.0.1:${server.port}`;
        await t.test("kazoo", { skip: kazooMissing() ?? false }, async (k) => {
          const result = await runProgram(
            python,
            [scenarioFile("kazoo_sasl_scenarios.py"), hosts],
            {
              timeoutMs: 90000,
            },
          );
          await reportChecks(k, result, ["sasl-acl", "digest-acl", "wrong-password"]);
        });
        const javaSkip = javaUnavailableReason(zookeeperClientJars) ?? false;
        await t.test("java client", { skip: javaSkip }, async (j) => {
          const result = await runJavaProgram(
            "JavaSaslScenarios.java",
            zookeeperClientJars,
            [hosts, jaas],
            60000,
          );
          await reportChecks(j, result, ["bob", "wrong-password"]);
        });
      } finally {
        await server.stop();
      }
      await t.test("enforce.auth.enabled closes an unauthenticated connection", async () => {
        const enforced = await target.start(jaas, [
          "enforce.auth.enabled=true",
          "enforce.auth.schemes=sasl",
        ]);
        try {
          const conn = await RawConnection.open(enforced.port);
          const session = await conn.handshake();
          assert.ok(session !== null && session.timeOut > 0, "the session opens");
          conn.sendRawRequest(1, OpCode.exists, Buffer.from([0, 0, 0, 1, 0x2f, 0]));
          const header = await conn.replyHeader();
          assert.deepEqual(header === null ? null : { xid: header.xid, err: header.err }, {
            xid: 1,
            err: -124,
          });
          await conn.expectClosedWithoutReply();
        } finally {
          await enforced.stop();
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
