// The servers the client and recipe suites run against: the interop targets of
// test/support/targets.ts (today the real Apache ZooKeeper 3.8; Corral's server joins by its
// one entry there). Each test file calls `forEachServer`, which makes one describe()
// block per target with one shared server for the whole file (a JVM start costs ~0.5 s),
// skipped with a reason when the target cannot run on this machine.
import { after, before, describe } from "node:test";
import { peerSkip } from "../support/peers.js";
import { type InteropTarget, targets } from "../support/targets.js";

export interface TestServer {
  readonly port: number;
  readonly connectString: string;
  stop(): Promise<void>;
}

export interface ServerTarget {
  name: string;
  /** Why this target cannot run here, or null if it can. */
  unavailable(): string | null;
  /** tickTimeMs sets the session-timeout range (2..20 ticks), as zoo.cfg does. */
  start(options: { tickTimeMs: number }): Promise<TestServer>;
}

function fromInterop(t: InteropTarget): ServerTarget {
  return {
    name: t.name,
    unavailable: () => t.unavailableReason() ?? null,
    start: (options) => t.start({ tickTimeMs: options.tickTimeMs }),
  };
}

/** The shared list of test/support/targets.ts (INTEROP_TARGETS selects among them). */
export const serverTargets: ServerTarget[] = targets.map(fromInterop);

/** Access to the file's shared server from inside tests. */
export class ServerHandle {
  private server: TestServer | null = null;
  constructor(readonly target: ServerTarget) {}

  get connectString(): string {
    if (this.server === null) throw new Error("server not started");
    return this.server.connectString;
  }

  get port(): number {
    if (this.server === null) throw new Error("server not started");
    return this.server.port;
  }

  async start(tickTimeMs: number): Promise<void> {
    this.server = await this.target.start({ tickTimeMs });
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    await s?.stop();
  }
}

export interface ForEachServerOptions {
  /** Default 500 ms: sessions may then time out from 1 s to 10 s, keeping expiry tests fast. */
  tickTimeMs?: number;
}

/** Defines `body`'s tests once per available server target, sharing one server per target. */
export function forEachServer(
  body: (server: ServerHandle) => void,
  options: ForEachServerOptions = {},
): void {
  for (const target of serverTargets) {
    const reason = target.unavailable();
    describe(target.name, { skip: peerSkip(reason) }, () => {
      const handle = new ServerHandle(target);
      before(() => handle.start(options.tickTimeMs ?? 500));
      after(() => handle.stop());
      body(handle);
    });
  }
}
