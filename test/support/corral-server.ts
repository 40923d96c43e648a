// Starts Corral's own server as a child process (the built `corral server`) on a free
// loopback port with a temporary data directory, for interop, integration and crash tests.
// stop() asks it to shut down (SIGTERM) and removes the directory; kill() is SIGKILL and
// keeps the directory so a test can restart on the same data.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const corralMain = join(root, "dist", "src", "cli", "main.js");

export interface CorralServerOptions {
  tickTimeMs?: number;
  /** Extra zoo.cfg lines. */
  extraConfig?: string[];
  /** Reuse a data directory (a restart); a fresh temporary one otherwise. */
  dataDir?: string;
  /** Fixed port (a restart on the same port); 0 = free port. */
  port?: number;
  startTimeoutMs?: number;
  /**
   * A script to run instead of the built `corral`, taking the same `server --config <file>
   * --log-level <level>` arguments and printing the same "corral listening on" line (a test
   * launcher such as test/server/failing-disk-server.ts).
   */
  entry?: string;
  /** The server's --log-level; debug (the default here) lets tests read what it did. */
  logLevel?: "debug" | "info" | "warn" | "error";
}

export interface CorralServer {
  port: number;
  dataDir: string;
  connectString: string;
  /** What the server logged on stderr so far (bounded). */
  logs(): string;
  /** SIGTERM, wait for exit, remove the data directory. */
  stop(): Promise<void>;
  /** SIGKILL, wait for exit, keep the data directory. */
  kill(): Promise<void>;
  readonly process: ChildProcess;
}

export async function startCorralServer(options: CorralServerOptions = {}): Promise<CorralServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "corral-server-"));
  const cfg = [
    `tickTime=${options.tickTimeMs ?? 2000}`,
    `dataDir=${dataDir}`,
    `clientPort=${options.port ?? 0}`,
    "clientPortAddress=127.0.0.1",
    "4lw.commands.whitelist=*",
    "extendedTypesEnabled=true",
    "maxClientCnxns=0",
    ...(options.extraConfig ?? []),
  ];
  const cfgPath = join(dataDir, "zoo.cfg");
  writeFileSync(cfgPath, `${cfg.join("\n")}\n`);
  const child = spawn(
    process.execPath,
    [
      options.entry ?? corralMain,
      "server",
      "--config",
      cfgPath,
      "--log-level",
      options.logLevel ?? "debug",
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 200000) stderr = stderr.slice(-100000);
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      resolve();
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`corral server did not start: ${stderr}`));
    }, options.startTimeoutMs ?? 30000);
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /corral listening on [^:\s]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`corral server exited during start-up: ${stderr}`));
    });
  });
  child.stdout?.resume();
  const waitExit = async (signal: NodeJS.Signals): Promise<void> => {
    if (!exited) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 10000);
      await exit;
      clearTimeout(timer);
    }
  };
  return {
    port,
    dataDir,
    connectString: `127.0.0.1:${port}`,
    logs: () => stderr,
    process: child,
    async stop() {
      await waitExit("SIGTERM");
      rmSync(dataDir, { recursive: true, force: true });
    },
    async kill() {
      await waitExit("SIGKILL");
    },
  };
}
