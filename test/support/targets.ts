// The servers the interop suites run against. Every interop test file loops over `targets`,
// so the same scenarios that pass against the real Apache ZooKeeper prove, once Corral's
// server is listed here, that Corral behaves the same for unmodified clients.
//
// A target starts a fresh standalone server on a free loopback port with an empty tree,
// ZooKeeper's defaults otherwise (tickTime 2000, so sessions negotiate between 4 s and 40 s,
// which the suites check), extended types (TTL nodes) enabled and every four-letter word
// allowed, and stops it again removing everything it wrote. Adding a server is one entry in
// `allTargets`, e.g. for Corral:
//   { name: "corral", unavailableReason: () => undefined,
//     start: (o) => startCorralServer({ tickTimeMs: o?.tickTimeMs ?? 2000, ... }) }
// Set INTEROP_TARGETS=name1,name2 to run only some targets.
import { CorralEnsemble } from "./corral-ensemble.js";
import { startCorralServer } from "./corral-server.js";
import { realZooKeeperAvailable, startRealZooKeeper } from "./real-zookeeper.js";

export interface TargetOptions {
  /** Server tick; sessions may be negotiated down to 2 ticks. Default 2000 ms. */
  tickTimeMs?: number;
}

export interface RunningTarget {
  host: string;
  port: number;
  /** host:port for clients. */
  connectString: string;
  stop(): Promise<void>;
}

export interface InteropTarget {
  name: string;
  /** Why this target cannot run on this machine, or undefined when it can. */
  unavailableReason(): string | undefined;
  start(options?: TargetOptions): Promise<RunningTarget>;
}

export const realZooKeeperTarget: InteropTarget = {
  name: "zookeeper-3.8",
  unavailableReason: () =>
    realZooKeeperAvailable()
      ? undefined
      : "Apache ZooKeeper is not installed (run scripts/install-interop.sh)",
  async start(options = {}) {
    const zk = await startRealZooKeeper({ tickTimeMs: options.tickTimeMs ?? 2000 });
    return { host: "127.0.0.1", port: zk.port, connectString: zk.connectString, stop: zk.stop };
  },
};

export const corralTarget: InteropTarget = {
  name: "corral",
  unavailableReason: () => undefined,
  async start(options = {}) {
    const server = await startCorralServer({ tickTimeMs: options.tickTimeMs ?? 2000 });
    return {
      host: "127.0.0.1",
      port: server.port,
      connectString: server.connectString,
      stop: server.stop,
    };
  },
};

/**
 * A 3-member Corral ensemble behind a 3-host connect string: the same scenarios must pass
 * whichever member each client lands on (writes forwarded to the leader, sessions and watches
 * served by followers). `host`/`port` name the first member, for raw four-letter words.
 */
export const corralEnsembleTarget: InteropTarget = {
  name: "corral-ensemble-3",
  unavailableReason: () => undefined,
  async start(options = {}) {
    const ensemble = await CorralEnsemble.start({
      members: 3,
      tickTimeMs: options.tickTimeMs ?? 2000,
      extraConfig: ["4lw.commands.whitelist=*", "extendedTypesEnabled=true", "maxClientCnxns=0"],
      logLevel: "warn",
    });
    await ensemble.waitForLeader();
    return {
      host: "127.0.0.1",
      port: ensemble.port(1),
      connectString: ensemble.connectString,
      stop: () => ensemble.stop(),
    };
  },
};

const allTargets: InteropTarget[] = [realZooKeeperTarget, corralTarget, corralEnsembleTarget];

function selected(): InteropTarget[] {
  const wanted = process.env.INTEROP_TARGETS;
  if (wanted === undefined || wanted.trim() === "") return allTargets;
  const names = new Set(wanted.split(",").map((s) => s.trim()));
  return allTargets.filter((t) => names.has(t.name));
}

export const targets: readonly InteropTarget[] = selected();
