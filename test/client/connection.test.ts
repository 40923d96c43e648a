// Proves the connection and session machinery against a real server, with a TCP proxy in
// between to cut, refuse or freeze the network: failover to the next host of the connect
// string; suspended -> reconnected with the same session, ephemerals kept, credentials and
// watches re-registered (including the catch-up event for a change made while away);
// silence detected by the ping timer; requests queued while disconnected; request timeouts
// and AbortSignal; session expiry (by partition and by the session-stealing trick) surfaced
// as lost/expired, failing queued requests, ending watches and renewing the session; TLS.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createServer as createTlsServer } from "node:tls";
import { ZooKeeperClient } from "../../src/client/client.js";
import {
  ConnectionLossError,
  OperationTimeoutError,
  SessionExpiredError,
} from "../../src/client/errors.js";
import { Acls, type ConnectionState } from "../../src/client/types.js";
import { EventType, KeeperState } from "../../src/protocol/constants.js";
import { freePort } from "../support/ports.js";
import { deferred, nextState, uniquePath, waitFor } from "./helpers.js";
import { forEachServer } from "./targets.js";
import { TcpProxy } from "./tcp-proxy.js";

forEachServer((server) => {
  test("fails over to the next host when the first refuses", async () => {
    const dead = await freePort();
    const zk = await ZooKeeperClient.connect(`127.0.0.1:${dead},${server.connectString}`, {
      shuffleHosts: false,
    });
    try {
      assert.equal(zk.currentHost?.port, server.port);
      assert.equal(zk.state, "connected");
    } finally {
      await zk.close();
    }
  });

  test("a dropped connection resumes the same session with watches and auth", async () => {
    const proxy = await new TcpProxy(server.port).start();
    const zk = await ZooKeeperClient.connect(proxy.connectString, { sessionTimeoutMs: 8000 });
    const direct = await ZooKeeperClient.connect(server.connectString);
    const states: ConnectionState[] = [];
    zk.on("state", (s) => states.push(s));
    try {
      const p = uniquePath("resume");
      await zk.addAuth("digest", "bob:pw");
      await zk.create(p, "v0", { acl: Acls.creatorAll });
      await zk.create(`${p}-eph`, null, { mode: "ephemeral" });
      const events: WatchedEventLike[] = [];
      await zk.getData(p, { watch: (e) => events.push(e) });
      const session = zk.sessionId;
      // Partition: cut and refuse, change the node meanwhile, then heal.
      proxy.refusing = true;
      const suspended = nextState(zk, "suspended");
      proxy.cutAll();
      await suspended;
      await direct.addAuth("digest", "bob:pw");
      await direct.setData(p, "v1");
      const queued = zk.getData(p); // issued while disconnected: waits for the reconnect
      const reconnected = nextState(zk, "reconnected");
      proxy.refusing = false;
      await reconnected;
      assert.equal(zk.sessionId, session);
      assert.equal((await queued).data.toString(), "v1"); // auth was re-sent
      await waitFor(() => events.length === 1, 5000, "catch-up event");
      assert.equal(events[0].type, EventType.nodeDataChanged);
      assert.ok(await direct.exists(`${p}-eph`), "ephemeral survives a reconnect");
      assert.deepEqual(states, ["suspended", "reconnected"]);
    } finally {
      await zk.close();
      await direct.close();
      await proxy.stop();
    }
  });

  test("the session moves to the next host when its server goes away", async () => {
    // Two proxies in front of one server stand in for two members of an ensemble.
    const first = await new TcpProxy(server.port).start();
    const second = await new TcpProxy(server.port).start();
    const zk = await ZooKeeperClient.connect(`${first.connectString},${second.connectString}`, {
      shuffleHosts: false,
      sessionTimeoutMs: 8000,
    });
    try {
      assert.equal(zk.currentHost?.port, first.port);
      const session = zk.sessionId;
      const p = uniquePath("move");
      await zk.create(p, null, { mode: "ephemeral" });
      const reconnected = nextState(zk, "reconnected");
      first.refusing = true;
      first.cutAll();
      await reconnected;
      assert.equal(zk.currentHost?.port, second.port);
      assert.equal(zk.sessionId, session);
      assert.ok(await zk.exists(p), "the ephemeral node survived the move");
    } finally {
      await zk.close();
      await first.stop();
      await second.stop();
    }
  });

  test("persistent watches are re-registered (setWatches2) after a reconnect", async () => {
    const proxy = await new TcpProxy(server.port).start();
    const zk = await ZooKeeperClient.connect(proxy.connectString, { sessionTimeoutMs: 8000 });
    const direct = await ZooKeeperClient.connect(server.connectString);
    try {
      const p = uniquePath("pers");
      await direct.create(p);
      const seen: string[] = [];
      await zk.addWatch(p, (e) => seen.push(e.path), "persistentRecursive");
      const reconnected = nextState(zk, "reconnected");
      proxy.cutAll();
      await reconnected;
      await direct.create(`${p}/after`);
      await waitFor(() => seen.length === 1, 5000, "event after reconnect");
      assert.deepEqual(seen, [`${p}/after`]);
    } finally {
      await zk.close();
      await direct.close();
      await proxy.stop();
    }
  });

  test("a silent server is detected by the ping timer; in-flight requests fail", async () => {
    const proxy = await new TcpProxy(server.port).start();
    const zk = await ZooKeeperClient.connect(proxy.connectString, { sessionTimeoutMs: 3000 });
    try {
      const started = performance.now();
      proxy.freeze();
      const inFlight = zk.getData("/");
      await nextState(zk, "suspended", 5000);
      const silentMs = performance.now() - started;
      // 2/3 of the negotiated 3000 ms, checked on a 100 ms tick.
      assert.ok(silentMs >= 1900 && silentMs < 3000, `declared lost after ${silentMs} ms`);
      await assert.rejects(inFlight, ConnectionLossError);
      await nextState(zk, "reconnected", 5000);
    } finally {
      await zk.close();
      await proxy.stop();
    }
  });

  test("request timeouts and AbortSignal reject the caller; the session carries on", async () => {
    const proxy = await new TcpProxy(server.port).start();
    const zk = await ZooKeeperClient.connect(proxy.connectString, { sessionTimeoutMs: 10000 });
    try {
      const aborted = new AbortController();
      aborted.abort(new Error("already"));
      await assert.rejects(zk.getData("/", { signal: aborted.signal }), /already/);
      proxy.freeze();
      await assert.rejects(zk.getData("/", { timeoutMs: 300 }), OperationTimeoutError);
      const controller = new AbortController();
      const call = zk.exists("/", { signal: controller.signal });
      controller.abort(new Error("user gave up"));
      await assert.rejects(call, /user gave up/);
      proxy.cutAll();
      await nextState(zk, "reconnected");
      assert.ok(await zk.exists("/"));
    } finally {
      await zk.close();
      await proxy.stop();
    }
  });

  test("expiry by partition: lost, expired, queued requests fail, watches end, renewal", async () => {
    const proxy = await new TcpProxy(server.port).start();
    const zk = await ZooKeeperClient.connect(proxy.connectString, { sessionTimeoutMs: 1500 });
    const direct = await ZooKeeperClient.connect(server.connectString);
    const states: ConnectionState[] = [];
    zk.on("state", (s) => states.push(s));
    try {
      const p = uniquePath("expire");
      await zk.create(p, null, { mode: "ephemeral" });
      const watchStates: number[] = [];
      await zk.exists(p, { watch: (e) => watchStates.push(e.state) });
      const oldSession = zk.sessionId;
      proxy.refusing = true;
      proxy.cutAll();
      await nextState(zk, "lost", 5000);
      await waitFor(async () => (await direct.exists(p)) === null, 10000, "server expiry");
      const queued = zk.getData("/");
      const expired = nextState(zk, "expired");
      const connected = nextState(zk, "connected");
      proxy.refusing = false;
      await expired;
      await assert.rejects(queued, SessionExpiredError);
      assert.deepEqual(watchStates, [KeeperState.expired]);
      await connected;
      assert.notEqual(zk.sessionId, oldSession);
      assert.deepEqual(states, ["suspended", "lost", "expired", "connecting", "connected"]);
      assert.ok(await zk.exists("/"));
    } finally {
      await zk.close();
      await direct.close();
      await proxy.stop();
    }
  });

  test("expiry forced by the server: same session id and password, then close", async () => {
    // The proxy keeps the victim away while the thief takes the session over and closes
    // it; otherwise the victim would reconnect at once and take the session back.
    const proxy = await new TcpProxy(server.port).start();
    const zk = await ZooKeeperClient.connect(proxy.connectString, {
      sessionTimeoutMs: 10000,
      renewSessionOnExpiry: false,
    });
    try {
      proxy.refusing = true;
      const expired = nextState(zk, "expired");
      const thief = await ZooKeeperClient.connect(server.connectString, {
        session: { id: zk.sessionId, password: zk.sessionPassword },
      });
      assert.equal(thief.sessionId, zk.sessionId);
      await thief.close();
      proxy.refusing = false;
      await expired;
      await waitFor(() => zk.closed, 5000, "close after expiry");
    } finally {
      await zk.close();
      await proxy.stop();
    }
  });

  test("TLS: the option wires a TLS socket end to end", {
    skip: !existsSync("/usr/bin/openssl"),
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "corral-tls-"));
    try {
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-days",
          "1",
          "-subj",
          "/CN=127.0.0.1",
          "-addext",
          "subjectAltName=IP:127.0.0.1",
          "-keyout",
          join(dir, "key.pem"),
          "-out",
          join(dir, "cert.pem"),
        ],
        { stdio: "ignore" },
      );
      const cert = readFileSync(join(dir, "cert.pem"));
      const key = readFileSync(join(dir, "key.pem"));
      // A TLS terminator in front of the plain server stands in for ZooKeeper's secure port.
      const handshakes = deferred<number>();
      let count = 0;
      const terminator = createTlsServer({ cert, key }, (tlsSocket) => {
        handshakes.resolve(++count);
        const upstream = netConnect({ host: "127.0.0.1", port: server.port });
        tlsSocket.pipe(upstream).pipe(tlsSocket);
        tlsSocket.on("error", () => upstream.destroy());
        upstream.on("error", () => tlsSocket.destroy());
        tlsSocket.on("close", () => upstream.destroy());
      });
      await new Promise<void>((r) => terminator.listen(0, "127.0.0.1", r));
      const port = (terminator.address() as { port: number }).port;
      const zk = await ZooKeeperClient.connect(`127.0.0.1:${port}`, { tls: { ca: cert } });
      try {
        assert.equal(await handshakes.promise, 1);
        assert.ok(await zk.exists("/"));
      } finally {
        await zk.close();
        await new Promise<void>((r) => terminator.close(() => r()));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface WatchedEventLike {
  type: number;
}
