// Proves that Corral reads peer-link security from the same zoo.cfg lines and files as
// Apache ZooKeeper 3.8 (Debian's package): a 3-member ZooKeeper ensemble and then a
// 3-member Corral ensemble start from identical sslQuorum / ssl.quorum.* lines (a PKCS12 key
// store, a JKS trust store) and quorum.auth.* lines with one JAAS file in ZooKeeper's
// documented QuorumServer/QuorumLearner digest form; each elects a leader over its secured
// links and takes a write. (What a rogue meets is in test/server/ensemble-peer-security.test.ts.)
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ZooKeeperClient } from "../../src/client/index.js";
import { createTestPki, pkiToolsAvailable, type TestPki } from "../support/certificates.js";
import { CorralEnsemble } from "../support/corral-ensemble.js";
import { quorumJaas, quorumSaslLines, sslQuorumLines } from "../support/quorum-security.js";
import { quickStartJvmOptions, realZooKeeperAvailable } from "../support/real-zookeeper.js";
import { RealZooKeeperEnsemble } from "../support/real-zookeeper-ensemble.js";

const skip =
  pkiToolsAvailable() ?? (realZooKeeperAvailable() ? undefined : "ZooKeeper is not installed");
let pki: TestPki;
let dir = "";
let jaas = "";

before(() => {
  if (skip !== undefined) return;
  pki = createTestPki();
  dir = mkdtempSync(join(tmpdir(), "corral-quorum-interop-"));
  jaas = join(dir, "jaas.conf");
  writeFileSync(jaas, quorumJaas("quorum-secret"));
});

after(() => {
  pki?.remove();
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

async function takesAWrite(connectString: string): Promise<void> {
  const zk = await ZooKeeperClient.connect(connectString, { timeoutMs: 30000 });
  try {
    await zk.create("/secured", "yes");
    assert.equal(Buffer.from((await zk.getData("/secured")).data!).toString(), "yes");
  } finally {
    await zk.close();
  }
}

test("ZooKeeper 3.8 and Corral form a quorum from the same lines and files", { skip }, async () => {
  const lines = [...sslQuorumLines(pki), ...quorumSaslLines];
  const zookeeper = await RealZooKeeperEnsemble.start({
    members: 3,
    extraConfig: lines,
    jvmOptions: [...quickStartJvmOptions, `-Djava.security.auth.login.config=${jaas}`],
    startTimeoutMs: 90000,
  });
  try {
    await takesAWrite(zookeeper.connectString);
  } finally {
    await zookeeper.stop();
  }
  const corral = await CorralEnsemble.start({
    members: 3,
    tickTimeMs: 200,
    extraConfig: [...lines, `java.security.auth.login.config=${jaas}`],
  });
  try {
    await corral.waitForLeader();
    await takesAWrite(corral.connectString);
    assert.match(corral.logs(corral.members[0]), /peer link up/);
  } finally {
    await corral.stop();
  }
});
