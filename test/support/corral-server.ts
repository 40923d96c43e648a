// Starts Corral's own server as a child process (the built `corral server`) on a free
// loopback port with a temporary data directory, for interop, integration and crash tests.
// stop() asks it to shut down (SIGTERM) and removes the directory; kill() is SIGKILL and
// keeps the directory so a test can restart on the same data.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
  /**
   * Run the admin HTTP port on a free loopback port (its number is `adminPort`). Off by
   * default: the embedded default would bind 8080, and tests never use fixed ports.
   */
  admin?: boolean;
  /** The server's --log-level; debug (the default here) lets tests read what it did. */
  logLevel?: "debug" | "info" | "warn" | "error";
  /** Environment variables added to the server's (SERVER_JVMFLAGS, say). */
  env?: Record<string, string>;
  /**
   * Start on the zoo.cfg already in dataDir as it is (a member restarted after a
   * reconfiguration rewrote it), instead of writing a new one.
   */
  keepConfig?: boolean;
}

export interface CorralServer {
  port: number;
  dataDir: string;
  connectString: string;
  /** The admin HTTP port, or 0 when the admin server is off. */
  adminPort: number;
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
    ...(options.admin === true
      ? ["admin.enableServer=true", "admin.serverAddress=127.0.0.1", "admin.serverPort=0"]
      : ["admin.enableServer=false"]),
    ...(options.extraConfig ?? []),
  ];
  const cfgPath = join(dataDir, "zoo.cfg");
  if (options.keepConfig !== true || !existsSync(cfgPath)) {
    writeFileSync(cfgPath, `${cfg.join("\n")}\n`);
  }
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
      env: options.env === undefined ? process.env : { ...process.env, ...options.env },
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
  let adminPort = 0;
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`corral server did not start: ${stderr}`));
    }, options.startTimeoutMs ?? 30000);
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const admin = /corral admin on [^:\s]+:(\d+)/.exec(out);
      if (admin) adminPort = Number(admin[1]);
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
    adminPort,
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
