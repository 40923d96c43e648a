// `corral server`: runs a standalone member on this machine's disk and network, from a
// zoo.cfg or with embedded defaults (client port 2181, data under ./data). Logs go to
// stderr; SIGTERM and SIGINT stop it gracefully (connections closed, storage closed).
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import type { Disk } from "../base/disk.js";
import type { Logger, LogLevel } from "../base/logger.js";
import { type ClientPorts, openClientPorts } from "../io/client-ports.js";
import { NodeClock } from "../io/node-clock.js";
import { NodeDisk } from "../io/node-disk.js";
import { NodeRandom } from "../io/node-random.js";
import { StderrLogger } from "../io/stderr-logger.js";
import { ConfigError, defaultConfig, parseZooCfg, type ServerConfig } from "../server/config.js";
import { startStandalone } from "../server/standalone.js";
import { versionLine } from "../server/version.js";
import { loadSaslUsers } from "./server-auth.js";

interface ServerFlags {
  config?: string;
  port?: string;
  dataDir?: string;
  logLevel: string;
  logJson?: boolean;
  jaas?: string;
}

export function registerServerCommand(program: Command): void {
  program
    .command("server")
    .description("run a standalone member (embedded defaults, or a ZooKeeper zoo.cfg)")
    .option("--config <file>", "ZooKeeper-style zoo.cfg")
    .option("--port <port>", "client port (overrides the config; 0 picks a free port)")
    .option("--data-dir <dir>", "data directory (overrides dataDir and dataLogDir)")
    .option("--log-level <level>", "debug, info, warn or error", "info")
    .option("--log-json", "log JSON lines instead of text")
    .option("--jaas <file>", "JAAS file whose Server section lists the SASL DIGEST-MD5 users")
    .action((flags: ServerFlags) => runServer(flags));
}

function directoryBytes(dir: string): number {
  let total = 0;
  try {
    for (const name of readdirSync(dir)) {
      const s = statSync(join(dir, name));
      if (s.isFile()) total += s.size;
    }
  } catch {
    // A directory that cannot be read counts as empty.
  }
  return total;
}

function runServer(flags: ServerFlags): void {
  if (!["debug", "info", "warn", "error"].includes(flags.logLevel)) {
    console.error(`corral: --log-level must be debug, info, warn or error`);
    process.exitCode = 2;
    return;
  }
  const logger = new StderrLogger(flags.logLevel as LogLevel, flags.logJson === true);
  let config: ServerConfig;
  try {
    if (flags.config !== undefined) {
      const parsed = parseZooCfg(readFileSync(flags.config, "utf8"));
      for (const w of parsed.warnings) logger.warn(`zoo.cfg: ${w.message}`, { line: w.line });
      config = parsed.config;
    } else {
      config = defaultConfig();
      // With no zoo.cfg, the four-letter words people reach for first are allowed.
      config.fourLetterWords = new Set(["srvr", "ruok", "stat", "mntr", "conf", "isro"]);
    }
    if (flags.port !== undefined) {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new ConfigError(`--port: invalid port ${flags.port}`);
      config.clientPort = port;
    }
    if (flags.dataDir !== undefined) {
      config.dataDir = flags.dataDir;
      config.dataLogDir = flags.dataDir;
    }
    loadSaslUsers(config, flags.jaas, process.env);
  } catch (err) {
    console.error(`corral: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
    return;
  }
  if (config.servers.length > 1) {
    logger.error(
      "ensembles (several server.N lines) are not supported yet; run one standalone member",
    );
    process.exitCode = 2;
    return;
  }
  mkdirSync(config.dataDir, { recursive: true });
  mkdirSync(config.dataLogDir, { recursive: true });
  logger.info("starting corral", {
    version: versionLine,
    dataDir: config.dataDir,
    dataLogDir: config.dataLogDir,
    clientPort: config.clientPort,
  });
  serveStandalone(config, logger, new NodeDisk());
}

/**
 * Starts a standalone member on `disk` and serves it on the configured client port until
 * SIGTERM or SIGINT; prints "corral listening on host:port" on stdout once it serves.
 */
export function serveStandalone(config: ServerConfig, logger: Logger, disk: Disk): void {
  startStandalone(
    {
      config,
      disk,
      clock: new NodeClock(),
      random: new NodeRandom(),
      logger,
      defer: setImmediate,
      directorySizes: () => ({
        dataBytes: directoryBytes(config.dataDir),
        logBytes: directoryBytes(config.dataLogDir),
      }),
    },
    (error, standalone) => {
      if (error || standalone === null) {
        logger.error("cannot start", { error: error?.message ?? "unknown" });
        process.exitCode = 1;
        return;
      }
      let ports: ClientPorts | null = null;
      openClientPorts(config, standalone.member, logger).then(
        (opened) => {
          ports = opened;
          const port = opened.plainPort ?? opened.securePort ?? 0;
          standalone.member.clientPort = port;
          logger.info("serving clients", {
            address: config.clientPortAddress,
            port: opened.plainPort,
            securePort: opened.securePort,
            zxid: `0x${standalone.member.lastZxid.toString(16)}`,
          });
          // Lines on stdout that scripts and tests can wait for.
          if (opened.securePort !== null) {
            const host = config.secureClientPortAddress ?? config.clientPortAddress;
            process.stdout.write(`corral listening securely on ${host}:${opened.securePort}\n`);
          }
          process.stdout.write(`corral listening on ${config.clientPortAddress}:${port}\n`);
        },
        (err: Error) => {
          logger.error("cannot listen on the client port", {
            port: config.clientPort,
            securePort: config.secureClientPort,
            error: err.message,
          });
          standalone.close(() => {
            process.exitCode = 1;
          });
        },
      );
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        logger.info("shutting down", { signal });
        (ports === null ? Promise.resolve() : ports.close()).then(
          () => standalone.close(() => process.exit(0)),
          () => process.exit(1),
        );
      };
      process.on("SIGTERM", () => stop("SIGTERM"));
      process.on("SIGINT", () => stop("SIGINT"));
    },
  );
}
