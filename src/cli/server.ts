// `corral server`: runs a standalone member on this machine's disk and network, from a
// zoo.cfg or with embedded defaults (client port 2181, data under ./data). Logs go to
// stderr; SIGTERM and SIGINT stop it gracefully (connections closed, storage closed).
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { type AdminPort, startAdminPort } from "../admin/admin-port.js";
import type { Disk } from "../base/disk.js";
import type { Logger, LogLevel } from "../base/logger.js";
import { type ClientPorts, openClientPorts } from "../io/client-ports.js";
import { NodeClock } from "../io/node-clock.js";
import { NodeDisk } from "../io/node-disk.js";
import { NodeProcessInfo } from "../io/node-process-info.js";
import { NodeRandom } from "../io/node-random.js";
import { peerSecurity } from "../io/peer-security.js";
import { PeerTransport } from "../io/peer-transport.js";
import { writePidFile } from "../io/pid-file.js";
import { StderrLogger } from "../io/stderr-logger.js";
import { ConfigError, defaultConfig, parseZooCfg, type ServerConfig } from "../server/config.js";
import { parseDynamicConfig } from "../server/dynamic-config.js";
import {
  dynamicEnsembleId,
  type EnsembleIdentity,
  ensembleIdentity,
  identityFileText,
  identityMismatch,
  isEnsemble,
  parseMyId,
  peerTypeMismatch,
} from "../server/ensemble-config.js";
import { EnsembleStatusSource, StandaloneStatusSource } from "../server/member-status.js";
import { type EnsembleDeps, type RunningMember, startMember } from "../server/start-member.js";
import { versionPrefix } from "../server/version.js";
import { writeDynamicConfigFiles } from "./dynamic-config-files.js";

/** How long a stopping leader waits for another member to take over. */
const handOverTimeoutMs = 3000;

import { loadSaslUsers } from "./server-auth.js";
import { applyServerSystemProperties } from "./server-system-properties.js";

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
  let configText = "";
  try {
    if (flags.config !== undefined) {
      configText = readFileSync(flags.config, "utf8");
      const parsed = parseZooCfg(configText);
      for (const w of parsed.warnings) logger.warn(`zoo.cfg: ${w.message}`, { line: w.line });
      config = parsed.config;
      if (config.dynamicConfigFile !== null) {
        // ZooKeeper's dynamic file holds the server lines (written after each reconfig).
        config.servers = parseDynamicConfig(readFileSync(config.dynamicConfigFile, "utf8")).servers;
      }
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
    applyServerSystemProperties(config, process.env);
  } catch (err) {
    console.error(`corral: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
    return;
  }
  let identity: EnsembleIdentity | null = null;
  const identityPath = join(config.dataDir, "corral-ensemble");
  // A member with no identity file yet has no data: it may join a running ensemble.
  const fresh = !existsSync(identityPath);
  try {
    if (isEnsemble(config)) identity = ensembleMember(config, flags.port !== undefined);
    const mismatch = identity === null ? null : peerTypeMismatch(config, identity.self);
    if (mismatch !== null) logger.warn(`zoo.cfg: ${mismatch}`);
  } catch (err) {
    logger.error(`cannot start: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
    return;
  }
  mkdirSync(config.dataDir, { recursive: true });
  mkdirSync(config.dataLogDir, { recursive: true });
  // Tells `corral recover` that this data is in use.
  writePidFile(config.dataDir);
  logger.info("starting corral", {
    version: versionPrefix,
    dataDir: config.dataDir,
    dataLogDir: config.dataLogDir,
    clientPort: config.clientPort,
    ...(identity === null
      ? {}
      : { member: identity.self, ensemble: identity.ensembleId, members: identity.peers.size }),
  });
  let ensemble: EnsembleDeps | undefined;
  if (identity !== null) {
    let security: ReturnType<typeof peerSecurity>;
    try {
      security = peerSecurity(config.quorumSecurity, logger);
    } catch (err) {
      logger.error(`cannot start: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 2;
      return;
    }
    const me = identity;
    let adopted = false;
    ensemble = {
      self: me.self,
      conf: me.conf,
      joinWhenEmpty: config.ensembleSeed !== null,
      network: new PeerTransport({
        self: me.self,
        ensembleId: me.ensembleId,
        members: me.peers,
        logger,
        random: new NodeRandom(),
        ...security,
        // A fresh member started, as ZooKeeper's docs say, with the running members' lines
        // plus its own derives another ensemble id than theirs: it takes the id of the first
        // listed member that dials it (the leader adding it), once, before it has any data.
        adoptEnsemble: (ensembleId) => {
          if (!fresh || adopted || running?.raftLog.node.log.lastIndex() !== 0) return false;
          try {
            writeFileSync(identityPath, identityFileText({ ...me, ensembleId }, true));
          } catch (err) {
            logger.error("cannot record the ensemble this member joins", {
              error: err instanceof Error ? err.message : String(err),
            });
            return false;
          }
          adopted = true;
          me.ensembleId = ensembleId;
          return true;
        },
      }),
      servers: config.servers,
      membershipChanged: (text, version) => {
        // The membership is in the log already; a file that cannot be written only means a
        // restart on the old zoo.cfg, so it is logged, not fatal.
        try {
          const written = writeDynamicConfigFiles(
            { zooCfg: flags.config ?? null, dataDir: config.dataDir, identityFile: identityPath },
            text,
            version,
          );
          logger.info("dynamic configuration written", { file: written });
        } catch (err) {
          logger.error("cannot write the dynamic configuration", {
            error: err instanceof Error ? err.message : String(err),
          });
        }
      },
    };
  }
  let running: RunningMember | null = null;
  serveMember(config, logger, new NodeDisk(), ensemble, configText, (r) => {
    running = r;
  });
}

/**
 * Who this process is in its ensemble: myid from dataDir (as ZooKeeper reads it), the
 * client address from its server.N line, and the data directory's identity file, written on
 * the first start and checked on every later one.
 */
function ensembleMember(config: ServerConfig, portFlag: boolean): EnsembleIdentity {
  const myIdPath = join(config.dataDir, "myid");
  if (!existsSync(myIdPath)) {
    throw new ConfigError(
      `${myIdPath} is missing: an ensemble member needs a myid file holding its server.N id`,
    );
  }
  const identity = ensembleIdentity(config, parseMyId(readFileSync(myIdPath, "utf8")));
  if (!portFlag) {
    config.clientPort = identity.clientPort;
    config.clientPortAddress = identity.clientHost;
  }
  const identityPath = join(config.dataDir, "corral-ensemble");
  if (existsSync(identityPath)) {
    const text = readFileSync(identityPath, "utf8");
    identity.ensembleId = dynamicEnsembleId(text, config) ?? identity.ensembleId;
    const why = identityMismatch(text, identity);
    if (why !== null) throw new ConfigError(`${why} (${identityPath})`);
  } else {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(identityPath, identityFileText(identity));
  }
  return identity;
}

/**
 * Starts a member on `disk` (standalone, or in an ensemble over its peer links) and serves it
 * on the configured client port until SIGTERM or SIGINT; prints "corral listening on
 * host:port" on stdout once it serves. A leader hands leadership over before it stops.
 */
export function serveMember(
  config: ServerConfig,
  logger: Logger,
  disk: Disk,
  ensemble?: EnsembleDeps,
  configText = "",
  started?: (running: RunningMember) => void,
): void {
  startMember(
    {
      config,
      disk,
      clock: new NodeClock(),
      random: new NodeRandom(),
      logger,
      defer: setImmediate,
      processInfo: new NodeProcessInfo(),
      directorySizes: () => ({
        dataBytes: directoryBytes(config.dataDir),
        logBytes: directoryBytes(config.dataLogDir),
      }),
      ensemble,
    },
    (error, standalone) => {
      if (error || standalone === null) {
        logger.error("cannot start", { error: error?.message ?? "unknown" });
        process.exitCode = 1;
        return;
      }
      started?.(standalone);
      let ports: ClientPorts | null = null;
      let admin: AdminPort | null = null;
      openClientPorts(config, standalone.member, logger).then(
        async (opened) => {
          ports = opened;
          const port = opened.plainPort ?? opened.securePort ?? 0;
          standalone.member.clientPort = port;
          logger.info("serving clients", {
            address: config.clientPortAddress,
            port: opened.plainPort,
            securePort: opened.securePort,
            zxid: `0x${standalone.member.lastZxid.toString(16)}`,
          });
          if (config.adminEnableServer) {
            admin = await startAdmin(config, standalone, logger, configText, ensemble);
          }
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
        standalone.handOver(handOverTimeoutMs, () =>
          Promise.all([ports === null ? undefined : ports.close(), admin?.close()]).then(
            () => standalone.close(() => process.exit(0)),
            () => process.exit(1),
          ),
        );
      };
      process.on("SIGTERM", () => stop("SIGTERM"));
      process.on("SIGINT", () => stop("SIGINT"));
    },
  );
}

/**
 * Starts the admin HTTP port. A port that cannot be bound is logged and left off: the member
 * keeps serving clients (ZooKeeper exits instead, which for an auxiliary port costs more than
 * it protects: several members on one machine would all fight over 8080).
 */
async function startAdmin(
  config: ServerConfig,
  standalone: RunningMember,
  logger: Logger,
  configText: string,
  ensemble: EnsembleDeps | undefined,
): Promise<AdminPort | null> {
  try {
    const admin = await startAdminPort({
      config,
      member: standalone.member,
      status:
        ensemble === undefined
          ? new StandaloneStatusSource(standalone.raftLog, () => standalone.member.readOnly)
          : new EnsembleStatusSource(
              standalone.raftLog,
              new Map(config.servers.map((x) => [x.id, `${x.host}:${x.peerPort}`])),
              new Set(ensemble.conf.learners),
              () => standalone.member.readOnly,
            ),
      storage: standalone.storage,
      initialConfiguration: configText,
      logger,
      leadership: ensemble === undefined ? undefined : standalone.leadership,
    });
    logger.info("admin server listening", {
      address: config.adminServerAddress,
      port: admin.port,
      commandUrl: config.adminCommandUrl,
      metricsPort: admin.metricsPort,
    });
    process.stdout.write(`corral admin on ${config.adminServerAddress}:${admin.port}\n`);
    return admin;
  } catch (err) {
    logger.error("cannot start the admin server; serving clients without it", {
      address: config.adminServerAddress,
      port: config.adminServerPort,
      error: err instanceof Error ? err.message : String(err),
    });
    return null;
  }
}
