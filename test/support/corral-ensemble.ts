// Starts a Corral ensemble as separate `corral server` processes on this machine, as a user
// would run one: a zoo.cfg per member with the server.N lines, a myid file in each dataDir,
// every port a free loopback port chosen now. With `relays`, every member reaches every other
// through a fault-injecting relay (test/fault/relay-mesh.ts) so that tests can cut links; the
// members then list each other at relay addresses, so they share an explicit ensembleId.
// It implements the fault tests' FaultCluster: kill (SIGKILL, data kept), restart on the same
// data and ports, pause (SIGSTOP), resume (SIGCONT), cutLink and healAll.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FaultCluster } from "../fault/nemesis.js";
import { RelayMesh } from "../fault/relay-mesh.js";
import { type CorralServer, startCorralServer } from "./corral-server.js";
import { fourLetterWord } from "./four-letter.js";
import { freeStablePort } from "./ports.js";

export interface CorralEnsembleOptions {
  /** Voting members (3 or 5 usually). */
  members?: number;
  /**
   * Observers (non-voting Raft learners) after the voters: ids members+1.., each listed with
   * `:observer` and carrying ZooKeeper's `peerType=observer` in its own zoo.cfg.
   */
  observers?: number;
  tickTimeMs?: number;
  extraConfig?: string[];
  /** Route member links through relays that tests can cut. */
  relays?: boolean;
  /**
   * Give every server.N line the member's client address (`;127.0.0.1:clientPort`), so that
   * /zookeeper/config tells clients where each member serves.
   */
  clientAddresses?: boolean;
  logLevel?: "debug" | "info" | "warn" | "error";
  /** Run each member's admin HTTP port on a free loopback port (adminPort(id)). */
  admin?: boolean;
  /** Environment variables added to every member's (SERVER_JVMFLAGS, say). */
  env?: Record<string, string>;
}

interface MemberSlot {
  id: number;
  dir: string;
  clientPort: number;
  peerPort: number;
  electionPort: number;
  config: string[];
  server: CorralServer | null;
  paused: boolean;
}

/** A member's data directory with its myid file, and free ports for it. */
async function newSlot(root: string, id: number): Promise<MemberSlot> {
  const dir = join(root, `m${id}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "myid"), `${id}\n`);
  return {
    id,
    dir,
    // Members come back on the same ports after a kill: keep them out of the range the
    // kernel hands out as the local ports of outgoing connections.
    clientPort: await freeStablePort(),
    peerPort: await freeStablePort(),
    electionPort: await freeStablePort(),
    config: [],
    server: null,
    paused: false,
  };
}

/** The `;host:port` a server line carries with the `clientAddresses` option, else "". */
function clientSuffix(slot: MemberSlot, options: CorralEnsembleOptions): string {
  return options.clientAddresses ? `;127.0.0.1:${slot.clientPort}` : "";
}

export class CorralEnsemble implements FaultCluster {
  readonly canCutLinks: boolean;

  private constructor(
    private readonly root: string,
    private readonly slots: Map<number, MemberSlot>,
    private readonly mesh: RelayMesh | null,
    private readonly options: CorralEnsembleOptions,
  ) {
    this.canCutLinks = mesh !== null;
  }

  static async start(options: CorralEnsembleOptions = {}): Promise<CorralEnsemble> {
    const voters = options.members ?? 3;
    const n = voters + (options.observers ?? 0);
    const root = mkdtempSync(join(tmpdir(), "corral-ensemble-"));
    const slots = new Map<number, MemberSlot>();
    for (let id = 1; id <= n; id++) {
      slots.set(id, await newSlot(root, id));
    }
    const mesh = options.relays
      ? await RelayMesh.start(
          [...slots.values()].map((s) => ({
            id: s.id,
            host: "127.0.0.1",
            peerPorts: [s.peerPort, s.electionPort],
          })),
        )
      : null;
    for (const slot of slots.values()) {
      const lines: string[] = [];
      for (const other of slots.values()) {
        const direct = other.id === slot.id || mesh === null;
        const peer = direct ? other.peerPort : mesh.portFor(slot.id, other.id, 0);
        const election = direct ? other.electionPort : mesh.portFor(slot.id, other.id, 1);
        const role = other.id > voters ? ":observer" : "";
        lines.push(
          `server.${other.id}=127.0.0.1:${peer}:${election}${role}${clientSuffix(other, options)}`,
        );
      }
      if (slot.id > voters) lines.push("peerType=observer");
      if (mesh !== null) lines.push(`ensembleId=test-${root.slice(-6)}`);
      slot.config = [...lines, ...(options.extraConfig ?? [])];
    }
    const ensemble = new CorralEnsemble(root, slots, mesh, options);
    try {
      await Promise.all([...slots.keys()].map((id) => ensemble.launch(id)));
    } catch (e) {
      await ensemble.stop();
      throw e;
    }
    return ensemble;
  }

  get members(): number[] {
    return [...this.slots.keys()];
  }

  get connectString(): string {
    return [...this.slots.values()].map((s) => `127.0.0.1:${s.clientPort}`).join(",");
  }

  /** The client address of one member. */
  address(id: number): string {
    return `127.0.0.1:${this.slot(id).clientPort}`;
  }

  port(id: number): number {
    return this.slot(id).clientPort;
  }

  /** A running member's admin HTTP port (with the `admin` option), else 0. */
  adminPort(id: number): number {
    return this.slot(id).server?.adminPort ?? 0;
  }

  /** Where the member listens for its peers (its own, not a relay's). */
  peerPort(id: number): number {
    return this.slot(id).peerPort;
  }

  /** A member's data directory (its zoo.cfg, myid, snapshots and log). */
  dataDir(id: number): string {
    return this.slot(id).dir;
  }

  /**
   * Empties a stopped member's data directory except its myid file, as an operator replacing
   * a disk would: on restart it holds no snapshot, no log and no hard state.
   */
  wipeData(id: number): void {
    const s = this.slot(id);
    if (s.server !== null) throw new Error(`member ${id} is running: kill it before wiping`);
    for (const name of readdirSync(s.dir)) {
      if (name !== "myid") rmSync(join(s.dir, name), { recursive: true, force: true });
    }
  }

  /** A running member's process id (null when it is stopped). */
  pid(id: number): number | null {
    return this.slot(id).server?.process.pid ?? null;
  }

  running(id: number): boolean {
    return this.slot(id).server !== null;
  }

  logs(id: number): string {
    return this.slot(id).server?.logs() ?? "";
  }

  /** The `Mode:` line of `srvr` (leader, follower...), or null when it does not answer. */
  async mode(id: number): Promise<string | null> {
    const s = this.slot(id);
    if (s.server === null || s.paused) return null;
    const text = await fourLetterWord(s.clientPort, "srvr").catch(() => "");
    return /Mode: (\S+)/.exec(text)?.[1] ?? null;
  }

  /** Waits until exactly one running member says it leads; returns its id. */
  async waitForLeader(timeoutMs = 20000): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const leaders: number[] = [];
      for (const id of this.slots.keys()) if ((await this.mode(id)) === "leader") leaders.push(id);
      if (leaders.length === 1) return leaders[0];
      if (performance.now() > deadline) throw new Error(`no single leader: ${leaders.join(",")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private slot(id: number): MemberSlot {
    const s = this.slots.get(id);
    if (s === undefined) throw new Error(`no member ${id}`);
    return s;
  }

  private async launch(id: number, keepConfig = false): Promise<void> {
    const s = this.slot(id);
    s.server = await startCorralServer({
      dataDir: s.dir,
      port: s.clientPort,
      tickTimeMs: this.options.tickTimeMs ?? 200,
      extraConfig: s.config,
      logLevel: this.options.logLevel ?? "info",
      admin: this.options.admin,
      env: this.options.env,
      keepConfig,
    });
  }

  /**
   * A member's server line as a reconfig request names it (ZooKeeper asks a joiner for all
   * three ports): `server.N=127.0.0.1:peer:election:role;127.0.0.1:client`.
   */
  serverLine(id: number, role: "participant" | "observer" = "participant"): string {
    const s = this.slot(id);
    return `server.${id}=127.0.0.1:${s.peerPort}:${s.electionPort}:${role};127.0.0.1:${s.clientPort}`;
  }

  /**
   * Starts a new member with an empty data directory the way ZooKeeper's documentation has a
   * joiner started: its zoo.cfg lists `members` (the running ones) and itself. It serves
   * nothing until a reconfig adds it. Not supported with relays.
   */
  async startJoiner(id: number, members: readonly number[]): Promise<void> {
    if (this.mesh !== null) throw new Error("joiners are not supported with relays");
    if (this.slots.has(id)) throw new Error(`member ${id} exists`);
    const slot = await newSlot(this.root, id);
    this.slots.set(id, slot);
    const lines = [...members, id].map((m) => {
      const o = this.slot(m);
      return `server.${m}=127.0.0.1:${o.peerPort}:${o.electionPort}${clientSuffix(o, this.options)}`;
    });
    slot.config = [...lines, ...(this.options.extraConfig ?? [])];
    await this.launch(id);
  }

  /** Restarts a stopped member on the zoo.cfg in its data directory as it is now. */
  async restartAsWritten(id: number): Promise<void> {
    if (this.slot(id).server !== null) return;
    await this.launch(id, true);
  }

  async kill(id: number): Promise<void> {
    const s = this.slot(id);
    if (s.server === null) return;
    if (s.paused) s.server.process.kill("SIGCONT");
    await s.server.kill();
    s.server = null;
    s.paused = false;
  }

  /** SIGTERM: a graceful stop (a leader hands over first); the data directory stays. */
  async terminate(id: number): Promise<void> {
    const s = this.slot(id);
    if (s.server === null) return;
    const exited = new Promise<void>((resolve) => s.server!.process.once("exit", () => resolve()));
    s.server.process.kill("SIGTERM");
    await exited;
    s.server = null;
  }

  async restart(id: number): Promise<void> {
    if (this.slot(id).server !== null) return;
    await this.launch(id);
  }

  async pause(id: number): Promise<void> {
    const s = this.slot(id);
    if (s.server === null || s.paused) return;
    s.server.process.kill("SIGSTOP");
    s.paused = true;
  }

  async resume(id: number): Promise<void> {
    const s = this.slot(id);
    if (s.server === null || !s.paused) return;
    s.server.process.kill("SIGCONT");
    s.paused = false;
  }

  async cutLink(from: number, to: number, oneWay: boolean): Promise<void> {
    if (this.mesh === null) throw new Error("this ensemble was started without relays");
    this.mesh.cut(from, to, oneWay);
  }

  async healAll(): Promise<void> {
    this.mesh?.healAll();
    for (const id of this.slots.keys()) {
      await this.resume(id);
      await this.restart(id);
    }
  }

  /** Stops every member and relay and removes every directory. */
  async stop(): Promise<void> {
    for (const s of this.slots.values()) {
      if (s.server === null) continue;
      if (s.paused) s.server.process.kill("SIGCONT");
      await s.server.kill();
      s.server = null;
    }
    await this.mesh?.stop();
    rmSync(this.root, { recursive: true, force: true });
  }
}
