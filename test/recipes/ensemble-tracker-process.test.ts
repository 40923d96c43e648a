// Proves that a client follows the ensemble's membership by itself, on real `corral server`
// processes: a client built with member 1's address only, with an EnsembleTracker, is moved
// by reconfigs that add members 2 and 3 and then remove member 1 (which is then killed). It
// learns every address from /zookeeper/config (its server list ends as exactly members 2 and
// 3), keeps its session (same id, its ephemeral node still owned by it, every state change a
// suspension and a resume, never an expiry or a new session) and its watches (a data watch
// and an exists watch set on member 1 fire for changes made after the move).
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatHost } from "../../src/client/connect-string.js";
import {
  type ConnectionState,
  EventType,
  ExponentialBackoff,
  withRetry,
  ZooKeeperClient,
} from "../../src/client/index.js";
import { EnsembleTracker } from "../../src/recipes/ensemble-tracker.js";
import { waitFor } from "../client/helpers.js";
import { CorralEnsemble } from "../support/corral-ensemble.js";
import { rng } from "../support/rng.js";

// super:test, as zoo.cfg's superDigest takes it (base64 of sha1("super:test")).
const superDigest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU=";

const policy = new ExponentialBackoff({ baseDelayMs: 50, maxDelayMs: 1000, maxElapsedMs: 20000 });

function sorted(connectString: string | null): string {
  return (connectString ?? "").split(",").sort().join(",");
}

test("a client that knows only member 1 follows reconfigs to members 2 and 3, keeping its session and watches", async () => {
  const ensemble = await CorralEnsemble.start({
    members: 1,
    clientAddresses: true,
    extraConfig: [
      "reconfigEnabled=true",
      "standaloneEnabled=false",
      `DigestAuthenticationProvider.superDigest=${superDigest}`,
    ],
  });
  const clients: ZooKeeperClient[] = [];
  let tracker: EnsembleTracker | null = null;
  try {
    const only1 = ensemble.address(1);
    const admin = await ZooKeeperClient.connect(only1, { sessionTimeoutMs: 10000 });
    clients.push(admin);
    await admin.addAuth("digest", "super:test");

    const zk = await ZooKeeperClient.connect(only1, {
      sessionTimeoutMs: 10000,
      random: rng(11).next,
    });
    clients.push(zk);
    const session = zk.sessionId;
    const states: ConnectionState[] = [];
    zk.on("state", (s) => states.push(s));
    await zk.create("/mine", null, { mode: "ephemeral" });
    await zk.create("/w", "before");
    const events: string[] = [];
    await zk.getData("/w", { watch: (e) => events.push(`${e.type}:${e.path}`) });
    await zk.exists("/later", { watch: (e) => events.push(`${e.type}:${e.path}`) });

    tracker = new EnsembleTracker(zk);
    const changes: string[] = [];
    tracker.on("change", (cs) => changes.push(cs));
    await tracker.start();
    assert.equal(tracker.connectString, only1, "the initial config names member 1 alone");

    // Grow by one member at a time, as Raft changes membership.
    await ensemble.startJoiner(2, [1]);
    await admin.reconfig({ joining: ensemble.serverLine(2) });
    const tracks = (cs: string) => () => sorted(tracker?.connectString ?? null) === sorted(cs);
    await waitFor(tracks(`${only1},${ensemble.address(2)}`), 20000, "the tracker to see member 2");
    await ensemble.startJoiner(3, [1, 2]);
    await admin.reconfig({ joining: ensemble.serverLine(3) });
    const stay = `${ensemble.address(2)},${ensemble.address(3)}`;
    await waitFor(tracks(`${only1},${stay}`), 20000, "the tracker to see member 3");

    await admin.reconfig({ leaving: "1" });
    await waitFor(tracks(stay), 20000, "the tracker to see member 1 leave");
    assert.deepEqual(zk.hosts.map(formatHost).sort(), stay.split(",").sort());
    await ensemble.kill(1);

    // The session carries on on member 2 or 3, once they have a leader (the members drop
    // their clients while they elect one, as ZooKeeper's do, so calls are retried).
    await ensemble.waitForLeader();
    const retried = <T>(call: () => Promise<T>): Promise<T> => withRetry(call, { policy });
    await retried(() => zk.sync("/"));
    assert.ok(
      [ensemble.port(2), ensemble.port(3)].includes(zk.currentHost?.port ?? 0),
      `connected to ${zk.currentHost?.port}`,
    );
    assert.equal(zk.sessionId, session);
    assert.equal(BigInt((await retried(() => zk.exists("/mine")))?.ephemeralOwner ?? 0), session);
    assert.ok(!states.includes("expired") && !states.includes("connected"), states.join(","));
    assert.ok(states.includes("reconnected"), `the client moved: ${states.join(",")}`);

    // Watches set on member 1 fire for changes made now, through another client.
    const other = await ZooKeeperClient.connect(stay, { sessionTimeoutMs: 10000 });
    clients.push(other);
    await retried(() => other.setData("/w", "after"));
    await retried(() => other.create("/later", null));
    await waitFor(() => events.length === 2, 20000, "both watches to fire");
    assert.deepEqual(events.sort(), [
      `${EventType.nodeCreated}:/later`,
      `${EventType.nodeDataChanged}:/w`,
    ]);
    assert.equal(changes.at(-1), tracker.connectString);
  } finally {
    tracker?.close();
    for (const c of clients) await c.close().catch(() => {});
    await ensemble.stop();
  }
});
