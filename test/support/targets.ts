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

const allTargets: InteropTarget[] = [realZooKeeperTarget, corralTarget];

function selected(): InteropTarget[] {
  const wanted = process.env.INTEROP_TARGETS;
  if (wanted === undefined || wanted.trim() === "") return allTargets;
  const names = new Set(wanted.split(",").map((s) => s.trim()));
  return allTargets.filter((t) => names.has(t.name));
}

export const targets: readonly InteropTarget[] = selected();
