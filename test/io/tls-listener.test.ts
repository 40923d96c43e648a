// Proves the secure client port in process, over real loopback TLS: the server's identity
// loads from PEM, PKCS12 and JKS key stores and the client CAs from PEM, PKCS12 and JKS
// trust stores; ssl.clientAuth=need refuses a client without a certificate and one whose
// certificate another CA signed, each with a log line, and the member never hears of them;
// want accepts a client without a certificate; frames and four-letter words flow over TLS;
// a plain-text client on the TLS port is closed; replacing the key store file is picked up
// by the next connection.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect as connectPlain } from "node:net";
import { after, before, test } from "node:test";
import { connect, type TLSSocket } from "node:tls";
import type {
  ClientConnection,
  ClientConnectionHandler,
} from "../../src/base/client-connection.js";
import { MemoryLogger } from "../../src/base/logger.js";
import { ClientListener } from "../../src/io/client-listener.js";
import { TlsContextSource } from "../../src/io/tls-context.js";
import { applySslKey, defaultSslConfig, type SslConfig } from "../../src/server/ssl-config.js";
import {
  createTestPki,
  pkiToolsAvailable,
  storePassword,
  type TestPki,
} from "../support/certificates.js";

const skip = pkiToolsAvailable() ?? false;
const timeout = 20000;

class Echo implements ClientConnectionHandler {
  connectedCount = 0;
  connected(): void {
    this.connectedCount++;
  }
  frame(connection: ClientConnection, body: Uint8Array): void {
    const out = Buffer.alloc(4 + body.length);
    out.writeInt32BE(body.length, 0);
    out.set(body, 4);
    connection.send(out);
  }
  fourLetterWord(): string {
    return "imok";
  }
  disconnected(): void {}
}

let pki: TestPki;
const logger = new MemoryLogger();
const open: { listener: ClientListener; source: TlsContextSource }[] = [];

before(() => {
  if (skip === false) pki = createTestPki();
});

after(async () => {
  for (const o of open) {
    o.source.close();
    await o.listener.close();
  }
  pki?.remove();
});

function config(lines: string[]): SslConfig {
  const ssl = defaultSslConfig();
  for (const line of lines) {
    const at = line.indexOf("=");
    assert.ok(applySslKey(ssl, line.slice(0, at), line.slice(at + 1)), line);
  }
  return ssl;
}

async function serve(
  ssl: SslConfig,
  handler = new Echo(),
): Promise<{ port: number; handler: Echo; source: TlsContextSource }> {
  const source = new TlsContextSource(ssl, logger);
  const listener = new ClientListener(
    {
      host: "127.0.0.1",
      port: 0,
      packetBytesMax: 100000,
      connectionsPerAddressMax: 0,
      fourLetterWords: new Set(["ruok"]),
      handshakeDeadlineMs: 1000,
      tls: source,
    },
    handler,
    logger,
  );
  open.push({ listener, source });
  return { port: await listener.listen(), handler, source };
}

interface Outcome {
  /** The echoed frame, or null when the server closed first. */
  echo: string | null;
  subject: string | null;
}

function exchange(
  port: number,
  options: { key?: string; cert?: string; text?: string },
): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket: TLSSocket = connect({
      host: "127.0.0.1",
      port,
      ca: readFileSync(pki.caPem),
      key: options.key === undefined ? undefined : readFileSync(options.key),
      cert: options.cert === undefined ? undefined : readFileSync(options.cert),
    });
    let subject: string | null = null;
    const chunks: Buffer[] = [];
    const text = options.text ?? "hello";
    socket.on("secureConnect", () => {
      const cn = socket.getPeerCertificate().subject?.CN;
      subject = typeof cn === "string" ? cn : null;
      if (text.length === 4 && text === "ruok") socket.write(text);
      else {
        const frame = Buffer.alloc(4 + text.length);
        frame.writeInt32BE(text.length, 0);
        frame.write(text, 4);
        socket.write(frame);
      }
    });
    socket.on("data", (d) => {
      chunks.push(d);
      const all = Buffer.concat(chunks);
      if (text !== "ruok" && all.length >= 4 + text.length) {
        socket.destroy();
        resolve({ echo: all.subarray(4).toString(), subject });
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      const all = Buffer.concat(chunks).toString();
      resolve({ echo: text === "ruok" ? all : null, subject });
    });
  });
}

const client = (): { key: string; cert: string } => ({ key: pki.clientKey, cert: pki.clientCert });

test("PEM key store, PEM trust store, clientAuth=need: trusted client served, others refused", {
  skip,
  timeout,
}, async () => {
  const { port, handler } = await serve(
    config([`ssl.keyStore.location=${pki.serverPem}`, `ssl.trustStore.location=${pki.caPem}`]),
  );
  const ok = await exchange(port, client());
  assert.deepEqual(ok, { echo: "hello", subject: "corral-server" });
  assert.equal(handler.connectedCount, 1);
  const before = logger.lines.length;
  assert.equal((await exchange(port, {})).echo, null);
  assert.equal(
    (await exchange(port, { key: pki.rogueClientKey, cert: pki.rogueClientCert })).echo,
    null,
  );
  assert.equal(handler.connectedCount, 1);
  const refusals = logger.lines
    .slice(before)
    .filter((l) => l.message.includes("client certificate refused"));
  assert.equal(refusals.length, 2);
  assert.equal((await exchange(port, { ...client(), text: "ruok" })).echo, "imok");
});

for (const [label, lines] of [
  [
    "PKCS12",
    () => [
      `ssl.keyStore.location=${pki.serverP12}`,
      `ssl.keyStore.password=${storePassword}`,
      `ssl.trustStore.location=${pki.trustP12}`,
      `ssl.trustStore.password=${storePassword}`,
    ],
  ],
  [
    "JKS",
    () => [
      `ssl.keyStore.location=${pki.serverJks}`,
      `ssl.keyStore.password=${storePassword}`,
      `ssl.trustStore.location=${pki.trustJks}`,
      `ssl.trustStore.password=${storePassword}`,
    ],
  ],
] as const) {
  test(`${label} key and trust stores`, { skip, timeout }, async () => {
    const { port } = await serve(config(lines()));
    assert.deepEqual(await exchange(port, client()), { echo: "hello", subject: "corral-server" });
    assert.equal(
      (await exchange(port, { key: pki.rogueClientKey, cert: pki.rogueClientCert })).echo,
      null,
    );
  });
}

test("clientAuth=want accepts a client without a certificate, still refuses an untrusted one", {
  skip,
  timeout,
}, async () => {
  const { port } = await serve(
    config([
      `ssl.keyStore.location=${pki.serverPem}`,
      `ssl.trustStore.location=${pki.caPem}`,
      "ssl.clientAuth=want",
    ]),
  );
  assert.equal((await exchange(port, {})).echo, "hello");
  assert.equal(
    (await exchange(port, { key: pki.rogueClientKey, cert: pki.rogueClientCert })).echo,
    null,
  );
});

test("a plain-text client on the TLS port is closed without a reply", {
  skip,
  timeout,
}, async () => {
  const { port, handler } = await serve(
    config([`ssl.keyStore.location=${pki.serverPem}`, "ssl.clientAuth=none"]),
  );
  // A plain ConnectRequest is not a TLS record: refused at once. A bare "ruok" is shorter
  // than a TLS record header, so the server waits for more until the handshake deadline.
  const connectRequest = Buffer.alloc(49);
  connectRequest.writeInt32BE(45, 0);
  for (const [bytes, maxMs] of [
    [connectRequest, 900],
    [Buffer.from("ruok"), 3000],
  ] as const) {
    const received: Buffer[] = [];
    const start = Date.now();
    await new Promise<void>((resolve) => {
      const socket = connectPlain({ host: "127.0.0.1", port }, () => socket.write(bytes));
      socket.on("data", (d) => received.push(d));
      socket.on("error", () => {});
      socket.on("close", () => resolve());
    });
    assert.ok(Date.now() - start < maxMs, `closed after ${Date.now() - start} ms`);
    assert.ok(!Buffer.concat(received).toString().includes("imok"));
  }
  assert.equal(handler.connectedCount, 0);
  assert.ok(logger.lines.some((l) => l.message === "TLS handshake failed; closing"));
});

test("a replaced key store file is used by the next connection", { skip, timeout }, async () => {
  const pem = `${pki.dir}/rotating.pem`;
  pki.reissueServer(pem, "first");
  const { port } = await serve(config([`ssl.keyStore.location=${pem}`, "ssl.clientAuth=none"]));
  open[open.length - 1].source.watchFiles();
  assert.equal((await exchange(port, {})).subject, "first");
  pki.reissueServer(pem, "second");
  const deadline = Date.now() + 5000;
  while ((await exchange(port, {})).subject !== "second") {
    assert.ok(Date.now() < deadline, "the new certificate was not picked up");
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(logger.lines.some((l) => l.message === "TLS certificates reloaded"));
});
