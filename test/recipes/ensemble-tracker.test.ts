// Proves the EnsembleTracker's decisions on a scripted client (no server): the first
// configuration is applied at start; a watch event makes it read again and apply a changed
// membership; the same membership again, a configuration older than one already read, one
// without client addresses (a standalone server's empty /zookeeper/config) change nothing;
// a malformed text goes to "error" listeners and leaves the list as it was; the client's
// reconnection makes it read again; after close() nothing is applied.
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import type { ZooKeeperClient } from "../../src/client/client.js";
import { EventType } from "../../src/client/index.js";
import type { WatchedEvent } from "../../src/client/types.js";
import { EnsembleTracker } from "../../src/recipes/ensemble-tracker.js";
import { waitFor } from "../client/helpers.js";

/** Answers getConfig with the texts it is given, in turn; records updateServerList. */
class ScriptedClient extends EventEmitter {
  readonly closed = false;
  readonly texts: string[] = [];
  readonly updates: string[] = [];
  reads = 0;
  watch: ((e: WatchedEvent) => void) | null = null;

  async getConfig(options: { watch?: (e: WatchedEvent) => void }) {
    this.reads++;
    this.watch = options.watch ?? null;
    const text = this.texts.shift();
    if (text === undefined) throw new Error("no configuration scripted");
    return { data: Buffer.from(text), stat: {} };
  }

  updateServerList(connectString: string): boolean {
    this.updates.push(connectString);
    return true;
  }

  async waitConnected(): Promise<void> {}

  /** Fires the config watch, as a reconfig would. */
  changed(text: string): void {
    this.texts.push(text);
    this.watch?.({ type: EventType.nodeDataChanged, state: 3, path: "/zookeeper/config" });
  }
}

const line = (id: number, port: number) =>
  `server.${id}=10.0.0.${id}:2888:3888;10.0.0.${id}:${port}`;

test("the tracker applies new memberships and ignores stale, empty and malformed ones", async () => {
  const client = new ScriptedClient();
  const tracker = new EnsembleTracker(client as unknown as ZooKeeperClient);
  const errors: unknown[] = [];
  tracker.on("error", (e) => errors.push(e));

  client.texts.push(`${line(1, 2181)}\nversion=0`);
  await tracker.start();
  assert.deepEqual(client.updates, ["10.0.0.1:2181"]);
  assert.equal(tracker.connectString, "10.0.0.1:2181");

  const readsSoFar = (n: number) => () => client.reads === n && client.texts.length === 0;
  client.changed(`${line(1, 2181)}\n${line(2, 2182)}\nversion=200000005`);
  await waitFor(readsSoFar(2), 2000, "the re-read after the watch");
  assert.deepEqual(client.updates.at(-1), "10.0.0.1:2181,10.0.0.2:2182");

  // Same membership under a newer version; then an older version; then no client addresses.
  client.changed(`${line(1, 2181)}\n${line(2, 2182)}\nversion=200000009`);
  await waitFor(readsSoFar(3), 2000, "third read");
  client.changed(`${line(3, 2183)}\nversion=200000001`);
  await waitFor(readsSoFar(4), 2000, "fourth read");
  client.changed("");
  await waitFor(readsSoFar(5), 2000, "fifth read");
  assert.equal(client.updates.length, 2, client.updates.join(" | "));

  client.changed("server.x=nonsense");
  await waitFor(() => errors.length === 1, 2000, "the malformed text's error");
  assert.equal(tracker.connectString, "10.0.0.1:2181,10.0.0.2:2182");

  // A reconnection reads again (the server may have moved on meanwhile).
  client.texts.push(`${line(2, 2182)}\nversion=20000000a`);
  client.emit("state", "reconnected");
  await waitFor(() => client.updates.length === 3, 2000, "the read after reconnecting");
  assert.equal(tracker.connectString, "10.0.0.2:2182");

  tracker.close();
  client.changed(`${line(4, 2184)}\nversion=20000000b`);
  client.emit("state", "reconnected");
  await new Promise((r) => setImmediate(r));
  assert.equal(client.reads, 7, "no read after close");
  assert.equal(client.updates.length, 3);
});
