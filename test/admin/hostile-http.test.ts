// Proves, over real sockets, that hostile HTTP input on the admin port gets an answer or a
// closed connection and never reaches the member: unknown routes 404 with a JSON error, wrong
// methods 405, malformed JSON bodies 400, bodies over the limit 413 (announced or streamed),
// malformed HTTP 400, a client that sends its headers too slowly is cut off (408), an idle
// keep-alive connection is closed after admin.idleTimeout, connections beyond
// admin.maxConnections are closed at once and counted, and read routes can be closed to
// anonymous readers (admin.readAuthRequired) while the health checks stay open, and the
// commands that reset figures need the administrator. Throughout,
// the member keeps serving ZooKeeper clients.
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, test } from "node:test";
import { ZooKeeperClient } from "../../src/client/index.js";
import { digestId } from "../../src/server/digest.js";
import { type CorralServer, startCorralServer } from "../support/corral-server.js";
import { fourLetterWord } from "../support/four-letter.js";
import { httpGet } from "./admin-scenario.js";
import { parsePrometheusText, sampleValue } from "./prometheus-text.js";

const idleTimeoutMs = 1500;
const admin = { authorization: `Basic ${Buffer.from("admin:secret").toString("base64")}` };

let server: CorralServer;

before(async () => {
  server = await startCorralServer({
    admin: true,
    logLevel: "info",
    extraConfig: [
      `admin.idleTimeout=${idleTimeoutMs}`,
      "admin.maxConnections=6",
      `admin.authDigest=${digestId("admin:secret")}`,
      "admin.readAuthRequired=true",
    ],
  });
});

after(async () => {
  await server?.stop();
});

/** Opens a raw socket to the admin port. */
function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port: server.adminPort });
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
}

/** Everything the server sends until it closes, and how long that took (bounded). */
function untilClosed(s: Socket, limitMs = 10000): Promise<{ text: string; elapsedMs: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`the server kept the connection open for ${limitMs} ms`));
    }, limitMs);
    s.on("data", (d: Buffer) => {
      text += d.toString("latin1");
    });
    s.on("error", () => {});
    s.once("close", () => {
      clearTimeout(timer);
      resolve({ text, elapsedMs: Date.now() - started });
    });
  });
}

async function memberServes(): Promise<void> {
  assert.equal(await fourLetterWord(server.port, "ruok"), "imok");
  const client = await ZooKeeperClient.connect(server.connectString, { shuffleHosts: false });
  try {
    await client.create(`/alive-${Date.now()}`, "x");
  } finally {
    await client.close();
  }
}

test("unknown routes, wrong methods, bad JSON and bad HTTP get clear answers", async () => {
  const unknown = await httpGet(server.adminPort, "/no/such/route", { headers: admin });
  assert.equal(unknown.status, 404);
  assert.match(JSON.parse(unknown.body).error, /no route/);
  const method = await httpGet(server.adminPort, "/commands/ruok", {
    method: "POST",
    headers: admin,
  });
  assert.equal(method.status, 405);
  assert.ok(JSON.parse(method.body).error);
  for (const body of ["{not json", "[1,2]", '"text"']) {
    const bad = await httpGet(server.adminPort, "/api/znode", {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body,
    });
    assert.equal(bad.status, 400, body);
    assert.ok(JSON.parse(bad.body).error);
  }
  const badPath = await httpGet(server.adminPort, "/api/znode", {
    method: "POST",
    headers: admin,
    body: JSON.stringify({ path: "no-slash" }),
  });
  assert.equal(badPath.status, 400);
  const s = await open();
  s.write("GARBAGE / NOT-HTTP\r\n\r\n");
  const closed = await untilClosed(s);
  assert.match(closed.text, /^HTTP\/1\.1 400/);
  await memberServes();
});

test("bodies over the limit are refused, announced or streamed", async () => {
  const announced = await open();
  announced.write(
    "POST /api/znode HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n" +
      `authorization: ${admin.authorization}\r\ncontent-length: ${64 * 1024 * 1024}\r\n\r\n`,
  );
  const a = await untilClosed(announced);
  assert.match(a.text, /^HTTP\/1\.1 413/);
  const streamed = await open();
  streamed.on("error", () => {});
  streamed.write(
    "POST /api/znode HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n" +
      `authorization: ${admin.authorization}\r\ntransfer-encoding: chunked\r\n\r\n`,
  );
  const chunk = "x".repeat(256 * 1024);
  let answered = false;
  streamed.once("data", () => {
    answered = true;
  });
  const result = untilClosed(streamed);
  // A client that streams 16 MiB (8 times the limit), a chunk whenever the socket drains,
  // and stops once the server has answered. The server answers 413 and closes; the close
  // may reach the client as a reset that drops the 413 it had not read yet (TCP discards
  // unread data on a reset), so either is a refusal, as long as the body never got through.
  let sentChunks = 0;
  for (; sentChunks < 64 && !answered && !streamed.destroyed; sentChunks++) {
    if (!streamed.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`)) {
      const drained = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 5000);
        const done = (): void => {
          clearTimeout(timer);
          resolve(true);
        };
        streamed.once("drain", done);
        streamed.once("close", done);
      });
      assert.ok(drained, "the server neither read on nor closed the connection");
    }
  }
  if (!streamed.destroyed) streamed.end("0\r\n\r\n");
  const b = await result;
  assert.ok(b.text === "" || /^HTTP\/1\.1 413/.test(b.text), b.text.slice(0, 80));
  assert.ok(sentChunks < 64, "the server stopped the body before it was all sent");
  await memberServes();
});

test("slow and idle clients are cut off", async () => {
  const slow = await open();
  slow.write("GET /livez HTTP/1.1\r\nhost: x\r\n"); // and never the blank line
  const s = await untilClosed(slow);
  assert.match(s.text, /^HTTP\/1\.1 408/);
  assert.ok(
    s.elapsedMs >= idleTimeoutMs - 100 && s.elapsedMs < idleTimeoutMs + 3000,
    `${s.elapsedMs}`,
  );
  const idle = await open();
  idle.write("GET /livez HTTP/1.1\r\nhost: x\r\n\r\n");
  const i = await untilClosed(idle);
  assert.match(i.text, /^HTTP\/1\.1 200/);
  assert.ok(i.elapsedMs >= idleTimeoutMs - 100, `closed after ${i.elapsedMs} ms`);
  await memberServes();
});

test("connections beyond admin.maxConnections are closed and counted", async () => {
  const held: Socket[] = [];
  try {
    for (let i = 0; i < 6; i++) held.push(await open());
    const extra = await open();
    const r = await untilClosed(extra, 3000);
    assert.equal(r.text, "");
  } finally {
    for (const s of held) s.destroy();
  }
  // The held sockets are gone once the server has seen them close.
  const deadline = Date.now() + 5000;
  let refused: number | undefined;
  for (;;) {
    try {
      const m = await httpGet(server.adminPort, "/metrics", { headers: admin });
      refused = sampleValue(parsePrometheusText(m.body), "corral_admin_connections_refused_total");
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  assert.ok((refused ?? 0) >= 1);
  assert.match(server.logs(), /too many admin connections/);
  await memberServes();
});

test("read routes can require the administrator; health checks never do", async () => {
  assert.equal((await httpGet(server.adminPort, "/commands/ruok")).status, 401);
  assert.equal((await httpGet(server.adminPort, "/metrics")).status, 401);
  assert.equal((await httpGet(server.adminPort, "/api/children?path=/")).status, 401);
  assert.equal((await httpGet(server.adminPort, "/commands/ruok", { headers: admin })).status, 200);
  assert.equal((await httpGet(server.adminPort, "/livez")).status, 200);
  assert.equal((await httpGet(server.adminPort, "/readyz")).status, 200);
});

test("commands that reset figures need the administrator once one is configured", async () => {
  for (const name of ["srst", "crst", "stmk?traceMask=1", "orst"]) {
    assert.equal((await httpGet(server.adminPort, `/commands/${name}`)).status, 401, name);
    const ok = await httpGet(server.adminPort, `/commands/${name}`, { headers: admin });
    assert.equal(JSON.parse(ok.body).error, null, name);
  }
});
