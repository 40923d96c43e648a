// Starts a real Apache ZooKeeper ensemble (Debian's 3.8 package, as in real-zookeeper.ts) as
// one JVM process per member on this machine: a zoo.cfg per member with the server.N lines,
// a myid file in each dataDir, every port a free loopback port chosen now. start() resolves
// once exactly one member says `Mode: leader` in srvr and every other says follower (or
// observer, for the `observers` after the voters, which also carry `peerType=observer`), so a
// differential test or a benchmark meets a serving ensemble. pause() and resume() stop and
// continue a member (SIGSTOP, SIGCONT) for fault tests. stop() kills every JVM and removes
// every directory.
//
// The JVM options default to the quick-start ones of the standalone launcher (small heap,
// serial GC, C1 only); `fullJitJvmOptions` is what a benchmark passes instead, with a heap
// kept modest because three of them share the machine with other work.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fourLetterWord } from "./four-letter.js";
import { freePort } from "./ports.js";
import { nettyRuntimeJars, quickStartJvmOptions, zookeeperJar } from "./real-zookeeper.js";

/** Full JIT and a fixed heap, per member, for benchmarks (three of these fit in 1.5 GiB). */
export const fullJitJvmOptions: readonly string[] = ["-Xms512m", "-Xmx512m"];

export interface RealZooKeeperEnsembleOptions {
  /** Voting members; 3 unless told. */
  members?: number;
  /** Observers after the voters (ids members+1..), none unless told. */
  observers?: number;
  tickTimeMs?: number;
  /** JVM options per member in place of the quick-start defaults. */
  jvmOptions?: readonly string[];
  /** Extra zoo.cfg lines for every member. */
  extraConfig?: string[];
  /** How long start() waits for a leader and its followers. */
  startTimeoutMs?: number;
}

interface ZooKeeperMember {
  id: number;
  dir: string;
  clientPort: number;
  child: ChildProcess;
  exited: Promise<void>;
  hasExited: boolean;
  stderr: string;
}

export class RealZooKeeperEnsemble {
  private constructor(
    private readonly root: string,
    private readonly slots: Map<number, ZooKeeperMember>,
  ) {}

  static async start(options: RealZooKeeperEnsembleOptions = {}): Promise<RealZooKeeperEnsemble> {
    const voters = options.members ?? 3;
    const n = voters + (options.observers ?? 0);
    const root = mkdtempSync(join(tmpdir(), "corral-realzk-ensemble-"));
    const ports: { client: number; quorum: number; election: number }[] = [];
    for (let id = 1; id <= n; id++) {
      ports.push({
        client: await freePort(),
        quorum: await freePort(),
        election: await freePort(),
      });
    }
    const serverLines = ports.map(
      (p, i) =>
        `server.${i + 1}=127.0.0.1:${p.quorum}:${p.election}${i < voters ? "" : ":observer"};127.0.0.1:${p.client}`,
    );
    const slots = new Map<number, ZooKeeperMember>();
    const ensemble = new RealZooKeeperEnsemble(root, slots);
    for (let id = 1; id <= n; id++) {
      const dir = join(root, `m${id}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "myid"), `${id}\n`);
      const cfg = [
        `tickTime=${options.tickTimeMs ?? 2000}`,
        "initLimit=10",
        "syncLimit=5",
        `dataDir=${dir}`,
        "admin.enableServer=false",
        "4lw.commands.whitelist=*",
        "extendedTypesEnabled=true",
        "maxClientCnxns=0",
        ...serverLines,
        ...(id > voters ? ["peerType=observer"] : []),
        ...(options.extraConfig ?? []),
      ];
      const cfgPath = join(dir, "zoo.cfg");
      writeFileSync(cfgPath, `${cfg.join("\n")}\n`);
      const child = spawn(
        "java",
        [
          ...(options.jvmOptions ?? quickStartJvmOptions),
          "-cp",
          // Netty's jars too, for TLS (sslQuorum, secureClientPort).
          ["/etc/zookeeper/conf", zookeeperJar, ...nettyRuntimeJars].join(":"),
          "org.apache.zookeeper.server.quorum.QuorumPeerMain",
          cfgPath,
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      const slot: ZooKeeperMember = {
        id,
        dir,
        clientPort: ports[id - 1].client,
        child,
        exited: Promise.resolve(),
        hasExited: false,
        stderr: "",
      };
      slot.exited = new Promise<void>((resolve) => {
        child.once("exit", () => {
          slot.hasExited = true;
          resolve();
        });
      });
      child.stderr?.on("data", (d: Buffer) => {
        if (slot.stderr.length < 20000) slot.stderr += d.toString();
      });
      slots.set(id, slot);
    }
    try {
      await ensemble.waitForLeader(options.startTimeoutMs ?? 60000);
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

  port(id: number): number {
    return this.slot(id).clientPort;
  }

  /** The client address of one member. */
  address(id: number): string {
    return `127.0.0.1:${this.slot(id).clientPort}`;
  }

  /** SIGSTOP: the member stops answering anyone, peers and clients, until resume(). */
  pause(id: number): void {
    const s = this.slot(id);
    if (!s.hasExited) s.child.kill("SIGSTOP");
  }

  resume(id: number): void {
    const s = this.slot(id);
    if (!s.hasExited) s.child.kill("SIGCONT");
  }

  dataDir(id: number): string {
    return this.slot(id).dir;
  }

  /** The `Mode:` line of srvr (leader, follower...), or null when the member does not serve. */
  async mode(id: number): Promise<string | null> {
    const s = this.slot(id);
    if (s.hasExited) return null;
    const text = await fourLetterWord(s.clientPort, "srvr", 1000).catch(() => "");
    return /Mode: (\S+)/.exec(text)?.[1] ?? null;
  }

  /**
   * Waits until one member leads and every other follows (a member still syncing with its
   * leader answers srvr with "This ZooKeeper instance is not currently serving requests");
   * returns the leader's id.
   */
  async waitForLeader(timeoutMs = 60000): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const modes = new Map<number, string | null>();
      for (const id of this.slots.keys()) modes.set(id, await this.mode(id));
      const leaders = [...modes].filter(([, m]) => m === "leader").map(([id]) => id);
      const followers = [...modes].filter(([, m]) => m === "follower" || m === "observer").length;
      if (leaders.length === 1 && followers === this.slots.size - 1) return leaders[0];
      const dead = [...this.slots.values()].find((s) => s.hasExited);
      if (dead !== undefined) {
        throw new Error(`ZooKeeper member ${dead.id} exited during start-up: ${dead.stderr}`);
      }
      if (performance.now() > deadline) {
        const seen = [...modes].map(([id, m]) => `${id}=${m ?? "none"}`).join(" ");
        throw new Error(`ZooKeeper ensemble did not settle within ${timeoutMs} ms: ${seen}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Kills every member (SIGKILL) and removes every directory. */
  async stop(): Promise<void> {
    for (const s of this.slots.values()) {
      // A paused JVM dies of SIGKILL too; SIGCONT first keeps its exit prompt.
      if (!s.hasExited) s.child.kill("SIGCONT");
      if (!s.hasExited) s.child.kill("SIGKILL");
      await s.exited;
    }
    rmSync(this.root, { recursive: true, force: true });
  }

  private slot(id: number): ZooKeeperMember {
    const s = this.slots.get(id);
    if (s === undefined) throw new Error(`no member ${id}`);
    return s;
  }
}
