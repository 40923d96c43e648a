// Proves the health routes over a real server process: /livez answers while the process
// serves; /readyz is ready once the member serves, and after its disk fails (the test
// launcher's disk starts failing every write with ENOSPC on SIGUSR2) it answers 503 naming
// the failed checks (disk_writable, leader) with the reason, while /livez stays 200 and the
// member still answers on its client port.
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { ConnectionLossError, ZooKeeperClient } from "../../src/client/index.js";
import { type CorralServer, startCorralServer } from "../support/corral-server.js";
import { fourLetterWord } from "../support/four-letter.js";
import { httpGet } from "./admin-scenario.js";

const launcher = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "server",
  "failing-disk-server.js",
);

let server: CorralServer;

before(async () => {
  server = await startCorralServer({ admin: true, entry: launcher, logLevel: "info" });
});

after(async () => {
  await server?.stop();
});

test("a serving member is live and ready", async () => {
  const live = await httpGet(server.adminPort, "/livez");
  assert.equal(live.status, 200);
  assert.deepEqual(JSON.parse(live.body), { status: "ok" });
  const ready = await httpGet(server.adminPort, "/readyz");
  assert.equal(ready.status, 200);
  const body = JSON.parse(ready.body);
  assert.equal(body.status, "ready");
  assert.deepEqual(body.reasons, []);
  assert.deepEqual(
    body.checks.map((c: { name: string }) => c.name),
    ["client_port", "leader", "caught_up", "disk_writable"],
  );
});

test("a member whose disk failed is live but not ready, and says why", async () => {
  const client = await ZooKeeperClient.connect(server.connectString, { shuffleHosts: false });
  try {
    server.process.kill("SIGUSR2");
    // The signal reaches the server a moment later: writes succeed until the disk fails,
    // then the write in flight ends with ConnectionLoss.
    let failure: unknown = null;
    for (let i = 0; i < 250 && failure === null; i++) {
      try {
        await client.create(`/after-failure-${i}`, "x");
        await new Promise((r) => setTimeout(r, 20));
      } catch (err) {
        failure = err;
      }
    }
    assert.ok(failure instanceof ConnectionLossError, `expected ConnectionLoss, got ${failure}`);
  } finally {
    await client.close().catch(() => {});
  }
  const deadline = Date.now() + 10000;
  let ready = await httpGet(server.adminPort, "/readyz");
  while (ready.status === 200 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    ready = await httpGet(server.adminPort, "/readyz");
  }
  assert.equal(ready.status, 503);
  const body = JSON.parse(ready.body);
  assert.equal(body.status, "not ready");
  assert.ok(
    body.reasons.some((r: string) => /^disk_writable: storage failed/.test(r)),
    JSON.stringify(body.reasons),
  );
  assert.equal((await httpGet(server.adminPort, "/livez")).status, 200);
  assert.equal(await fourLetterWord(server.port, "isro"), "ro");
});
