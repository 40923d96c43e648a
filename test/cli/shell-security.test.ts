// Proves `corral shell` takes TLS and SASL settings from CLIENT_JVMFLAGS as zkCli.sh does:
// with -Dzookeeper.client.secure=true and the PKCS12 key and trust store properties it runs
// a command over Corral's TLS port, and with -Djava.security.auth.login.config naming a JAAS
// Client section it logs in as that user and reads a node only that user may read.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { ZooKeeperClient } from "../../src/client/client.js";
import { createTestPki, pkiToolsAvailable, storePassword } from "../support/certificates.js";
import { corralMain, startCorralServer } from "../support/corral-server.js";
import { freePort } from "../support/ports.js";

const run = promisify(execFile);

test("corral shell over TLS and SASL from CLIENT_JVMFLAGS", {
  skip: pkiToolsAvailable() ?? false,
  timeout: 60000,
}, async () => {
  const pki = createTestPki();
  const jaas = join(pki.dir, "jaas.conf");
  writeFileSync(
    jaas,
    `Server { org.apache.zookeeper.server.auth.DigestLoginModule required user_bob="bobsecret"; };
Client { org.apache.zookeeper.server.auth.DigestLoginModule required username="bob" password="bobsecret"; };
`,
  );
  const securePort = await freePort();
  const server = await startCorralServer({
    extraConfig: [
      `secureClientPort=${securePort}`,
      `ssl.keyStore.location=${pki.serverP12}`,
      `ssl.keyStore.password=${storePassword}`,
      `ssl.trustStore.location=${pki.trustP12}`,
      `ssl.trustStore.password=${storePassword}`,
      "authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
      `java.security.auth.login.config=${jaas}`,
    ],
  }).catch((err: unknown) => {
    pki.remove();
    throw err;
  });
  try {
    const setup = await ZooKeeperClient.connect(server.connectString, {
      sasl: { username: "bob", password: "bobsecret" },
    });
    await setup.create("/only-bob", Buffer.from("secret data"), {
      acl: [{ perms: 31, id: { scheme: "sasl", id: "bob" } }],
    });
    await setup.close();
    const flags = [
      "-Dzookeeper.client.secure=true",
      "-Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty",
      `-Dzookeeper.ssl.keyStore.location=${pki.clientP12}`,
      `-Dzookeeper.ssl.keyStore.password=${storePassword}`,
      `-Dzookeeper.ssl.trustStore.location=${pki.trustP12}`,
      `-Dzookeeper.ssl.trustStore.password=${storePassword}`,
      `-Djava.security.auth.login.config=${jaas}`,
    ].join(" ");
    const shell = (env: NodeJS.ProcessEnv) =>
      run(
        process.execPath,
        [corralMain, "shell", "-server", `127.0.0.1:${securePort}`, "-c", "get /only-bob"],
        {
          env: { ...process.env, ...env },
          timeout: 20000,
        },
      );
    const ok = await shell({ CLIENT_JVMFLAGS: flags });
    assert.match(ok.stdout, /secret data/);
    // The same over TLS without the JAAS login: the ACL refuses it.
    const noSasl = await shell({ CLIENT_JVMFLAGS: `${flags} -Dzookeeper.sasl.client=false` }).catch(
      (e: { stdout: string; stderr: string }) => e,
    );
    assert.doesNotMatch(noSasl.stdout, /secret data/);
    assert.match(`${noSasl.stdout}${noSasl.stderr}`, /Insufficient permission|NoAuth/i);
  } finally {
    await server.stop();
    pki.remove();
  }
});
