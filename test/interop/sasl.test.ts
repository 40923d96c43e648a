// Proves SASL DIGEST-MD5 with unmodified clients, against Corral and against the real
// ZooKeeper 3.8 configured alike (one JAAS file, the same zoo.cfg keys): kazoo's current
// (sasl_options) and legacy (auth_data "sasl") forms and the Java client's JAAS login
// authenticate; sasl ACLs, the auth scheme expanding to the sasl id, digest ACLs and the
// superUser are enforced the same way on both; a wrong password is refused (kazoo) and
// raises AuthFailed (Java); and with enforce.auth.enabled a connection that has not
// authenticated gets SESSIONCLOSEDREQUIRESASLAUTH on its first request and is closed; a
// GSSAPI client's first token gets the DIGEST-MD5 challenge, as from ZooKeeper.
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
        await t.test("a GSSAPI first token gets the DIGEST-MD5 challenge", async () => {
          const conn = await RawConnection.open(server.port);
          assert.ok(((await conn.handshake())?.timeOut ?? 0) > 0);
          // The start of a Kerberos AP-REQ. ZooKeeper's DIGEST-MD5 server ignores what a
          // first token holds and answers with its challenge, which a GSSAPI client cannot
          // use: the failure is the client's.
          const token = Buffer.from([0x60, 0x82, 0x02, 0x10, 0x06, 0x09]);
          const body = Buffer.alloc(4 + token.length);
          body.writeInt32BE(token.length, 0);
          token.copy(body, 4);
          conn.sendRawRequest(1, OpCode.sasl, body);
          const frame = await conn.nextFrame();
          assert.ok(frame !== null);
          assert.deepEqual([frame.readInt32BE(0), frame.readInt32BE(12)], [1, 0]);
          const challenge = frame.subarray(20, 20 + frame.readInt32BE(16)).toString();
          assert.match(challenge, /realm="zk-sasl-md5"/);
          assert.match(challenge, /nonce="/);
          conn.destroy();
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
