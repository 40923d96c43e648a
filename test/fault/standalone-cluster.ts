// FaultCluster for one standalone Corral process (`corral server`, started as the other
// integration tests start it): kill is SIGKILL, restart runs the server again on the same
// data directory and client port, pause and resume are SIGSTOP and SIGCONT. A standalone
// server has no links to cut. While it is killed or paused the service is simply
// unavailable; the histories must still check, and no acknowledged write may be lost.
import { rmSync } from "node:fs";
import { type CorralServer, startCorralServer } from "../support/corral-server.js";
import type { FaultCluster } from "./nemesis.js";

export interface StandaloneClusterOptions {
  tickTimeMs?: number;
  logLevel?: "debug" | "info" | "warn" | "error";
  extraConfig?: string[];
}

export class StandaloneCluster implements FaultCluster {
  readonly members = [1] as const;
  readonly canCutLinks = false;
  private killed = false;
  private paused = false;
  /** Kills and restarts so far (for reports). */
  restarts = 0;

  private constructor(
    private server: CorralServer,
    private readonly options: StandaloneClusterOptions,
  ) {}

  static async start(options: StandaloneClusterOptions = {}): Promise<StandaloneCluster> {
    const server = await startCorralServer({
      tickTimeMs: options.tickTimeMs ?? 200,
      logLevel: options.logLevel ?? "warn",
      extraConfig: options.extraConfig,
    });
    return new StandaloneCluster(server, options);
  }

  get connectString(): string {
    return this.server.connectString;
  }

  /** What the server logged (the current incarnation). */
  logs(): string {
    return this.server.logs();
  }

  private check(id: number): void {
    if (id !== 1) throw new Error(`no member ${id} in a standalone cluster`);
  }

  async kill(id: number): Promise<void> {
    this.check(id);
    if (this.killed) return;
    await this.server.kill();
    this.killed = true;
    this.paused = false;
  }

  async restart(id: number): Promise<void> {
    this.check(id);
    if (!this.killed) return;
    this.server = await startCorralServer({
      tickTimeMs: this.options.tickTimeMs ?? 200,
      logLevel: this.options.logLevel ?? "warn",
      extraConfig: this.options.extraConfig,
      dataDir: this.server.dataDir,
      port: this.server.port,
    });
    this.killed = false;
    this.restarts++;
  }

  async pause(id: number): Promise<void> {
    this.check(id);
    if (this.killed || this.paused) return;
    this.server.process.kill("SIGSTOP");
    this.paused = true;
  }

  async resume(id: number): Promise<void> {
    this.check(id);
    if (!this.paused) return;
    this.server.process.kill("SIGCONT");
    this.paused = false;
  }

  async cutLink(): Promise<void> {
    throw new Error("a standalone server has no member links to cut");
  }

  async healAll(): Promise<void> {
    await this.resume(1);
    await this.restart(1);
  }

  /** Stops the server (resuming it first, so it can exit cleanly) and removes its data. */
  async stop(): Promise<void> {
    await this.resume(1);
    if (this.killed) rmSync(this.server.dataDir, { recursive: true, force: true });
    else await this.server.stop();
  }
}
