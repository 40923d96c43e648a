// A member's configuration, read from ZooKeeper's own zoo.cfg keys so that a user can switch
// over with the same file. Parsing is pure (text in, validated object out); the cli reads the
// file and dataDir/myid. ZooKeeper passes keys it does not know on as `zookeeper.<key>` system
// properties, which is how zoo.cfg carries extendedTypesEnabled, snapCount or enforceQuota; we
// accept those spellings directly. Keys ZooKeeper knows that do not apply to Corral are
// accepted with a note, unknown keys are warned about, and wrong values are refused with the
// line number.
import {
  ConfigError,
  configInteger as integer,
  parseProperties,
  parseServerSpec,
  portMax,
  type ServerSpec,
} from "../protocol/membership-text.js";
import {
  type AuthConfig,
  AuthConfigError,
  applyAuthKey,
  checkAuthConfig,
  defaultAuthConfig,
} from "./auth-config.js";
import {
  applyQuorumSecurityKey,
  checkQuorumSecurityConfig,
  defaultQuorumSecurityConfig,
  type QuorumSecurityConfig,
  QuorumSecurityConfigError,
} from "./quorum-security-config.js";
import { applySslKey, defaultSslConfig, type SslConfig, SslConfigError } from "./ssl-config.js";

// The member lines and the properties syntax are shared with the client, which reads them
// from /zookeeper/config; they live in the protocol layer and are re-exported here for the
// server's own modules.
export { ConfigError, parseProperties, parseServerSpec, type ServerSpec };

export interface ServerConfig {
  tickTimeMs: number;
  dataDir: string;
  dataLogDir: string;
  clientPort: number;
  clientPortAddress: string;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** Connections allowed from one IP address; 0 means no limit. */
  maxClientCnxns: number;
  /**
   * Four-letter words allowed; "*" allows all. `srvr` is always allowed, and `isro` too when
   * readOnlyModeEnabled (Member.fourLetterWord).
   */
  fourLetterWords: ReadonlySet<string> | "*";
  packetBytesMax: number;
  snapRetainCount: number;
  /** Hours between purges of old snapshots and logs; 0 disables purging. */
  purgeIntervalHours: number;
  /** Entries written between snapshots. */
  snapCount: number;
  extendedTypesEnabled: boolean;
  enforceQuota: boolean;
  /** `super:<base64 sha1>` digest granting the super identity, or null. */
  superDigest: string | null;
  /**
   * ZooKeeper's switch for the reconfig request: off, reconfig answers ReconfigDisabled; on,
   * an ensemble changes its membership (server/reconfig-leader.ts) and a standalone server
   * answers Unimplemented, as ZooKeeper's does.
   */
  reconfigEnabled: boolean;
  standaloneEnabled: boolean;
  /**
   * Ticks a member joining by reconfig has to catch up with the leader (ZooKeeper's "time to
   * connect and sync to a leader"); Raft's own timing covers every other catch-up.
   */
  initLimit: number;
  syncLimit: number;
  servers: ServerSpec[];
  /**
   * peerType as zoo.cfg sets it, or null when unset. As in ZooKeeper, the member's own
   * server.N line decides its role; a peerType that disagrees is reported and overruled
   * (server/ensemble-config.ts, peerTypeMismatch).
   */
  peerType: "participant" | "observer" | null;
  /**
   * Corral's own key: names the ensemble on peer links and in data directories. Unset, it is
   * derived from the server.N lines (server/ensemble-config.ts); set it when members must
   * list each other at different addresses (behind NAT, or through test relays).
   */
  ensembleId: string | null;
  /**
   * Corral's own key, set on every member of an ensemble rebuilt by `corral recover`: the
   * member whose data seeded it. A member that starts with no data then knows no
   * configuration and waits for the leader to send it one, instead of electing a leader with
   * the other empty members (server/start-member.ts).
   */
  ensembleSeed: number | null;
  /**
   * ZooKeeper's dynamicConfigFile: the file holding the server.N lines (written after each
   * reconfiguration as `<zoo.cfg>.dynamic.<version>`); the cli reads it into `servers`.
   */
  dynamicConfigFile: string | null;
  /**
   * Corral's own key: every read waits for a quorum-confirmed read index, as sync does, so
   * reads are linearizable on any member (ZooKeeper's reads, and Corral's by default, may
   * be stale on a follower).
   */
  linearizableReads: boolean;
  /**
   * readonlymode.enabled: a member cut off from its quorum serves clients that accept a
   * read-only server (server/partition-read-only.ts). ZooKeeper reads it only as the system
   * property -Dreadonlymode.enabled=true (cli/server-system-properties.ts reads that form
   * from SERVER_JVMFLAGS); Corral also takes it as a zoo.cfg key.
   */
  readOnlyModeEnabled: boolean;
  /**
   * zookeeper.skipACL: true turns every ACL check off (server/skip-acl.ts). As in ZooKeeper,
   * only the exact value "yes" turns it on, from zoo.cfg's `skipACL` or else the system
   * property -Dzookeeper.skipACL (cli/server-system-properties.ts); null when neither says.
   */
  skipAcl: boolean | null;
  adminEnableServer: boolean;
  adminServerAddress: string;
  adminServerPort: number;
  /** Path under which the AdminServer commands are served (admin.commandURL). */
  adminCommandUrl: string;
  /** An admin HTTP connection idle this long is closed (admin.idleTimeout, ZooKeeper's 30 s). */
  adminIdleTimeoutMs: number;
  /** Open admin HTTP connections allowed; more are closed at once (Corral's admin.maxConnections). */
  adminConnectionsMax: number;
  /**
   * The administrators (Corral's keys): digests `user:base64sha1`, comma-separated
   * (admin.authDigest, the form of superDigest), and/or a bearer token (admin.authToken).
   * Edits need one of them.
   */
  adminAuthDigests: string[];
  adminAuthToken: string | null;
  /** Read routes need the administrator too (admin.readAuthRequired); health never does. */
  adminReadAuthRequired: boolean;
  /**
   * metricsProvider.className: ZooKeeper's Prometheus provider class asks for a second port
   * that serves only /metrics (metricsProvider.httpHost/httpPort); /metrics is on the admin
   * port whatever it says. Null when unset.
   */
  metricsProviderClassName: string | null;
  metricsProviderHttpHost: string;
  metricsProviderHttpPort: number;
  /** Export the runtime's own metrics (ZooKeeper: the JVM's; Corral: Node's). */
  metricsProviderExportJvmInfo: boolean;
  /** WAL fsyncs slower than this are counted (fsync_threshold_exceed_count). */
  fsyncWarningThresholdMs: number;
  /** Maximum znodes reaped per minute (znode.container.maxPerMinute). */
  containerMaxPerMinute: number;
  containerCheckIntervalMs: number;
  /**
   * A connection that has not completed its handshake after this long is closed
   * (nio.sessionlessCnxnTimeout, ZooKeeper's NIO default 10 s), so idle sockets that never
   * send a ConnectRequest cannot pin server resources.
   */
  sessionlessConnectionTimeoutMs: number;
  /** Connections allowed on each client port (maxCnxns); 0 means no limit. */
  maxCnxns: number;
  /**
   * Requests outstanding across the member above which pipelining connections stop being
   * read (globalOutstandingLimit, io/request-throttle.ts); 0 or less disables it.
   */
  globalOutstandingLimit: number;
  /** The TLS client port (secureClientPort); null = none. */
  secureClientPort: number | null;
  /** Where the TLS port listens; null = clientPortAddress. */
  secureClientPortAddress: string | null;
  /** False when only secureClientPort is configured: no plain client port, as ZooKeeper. */
  clientPortEnabled: boolean;
  /** ZooKeeper's ssl.* keys (server/ssl-config.ts). */
  ssl: SslConfig;
  /** Providers, SASL users, enforce.auth (server/auth-config.ts). */
  auth: AuthConfig;
  /** sslQuorum, ssl.quorum.*, quorum.auth.* (server/quorum-security-config.ts). */
  quorumSecurity: QuorumSecurityConfig;
}

export interface ConfigWarning {
  line: number;
  message: string;
}

/** ZooKeeper's defaults, with client port 2181 and data under ./data. */
export function defaultConfig(): ServerConfig {
  return {
    tickTimeMs: 2000,
    dataDir: "./data",
    dataLogDir: "./data",
    clientPort: 2181,
    clientPortAddress: "0.0.0.0",
    minSessionTimeoutMs: 4000,
    maxSessionTimeoutMs: 40000,
    maxClientCnxns: 60,
    fourLetterWords: new Set(["srvr"]),
    packetBytesMax: 0xfffff,
    snapRetainCount: 3,
    purgeIntervalHours: 0,
    snapCount: 100000,
    extendedTypesEnabled: false,
    enforceQuota: false,
    superDigest: null,
    reconfigEnabled: false,
    standaloneEnabled: true,
    initLimit: 10,
    syncLimit: 5,
    servers: [],
    peerType: null,
    ensembleId: null,
    ensembleSeed: null,
    dynamicConfigFile: null,
    linearizableReads: false,
    readOnlyModeEnabled: false,
    skipAcl: null,
    adminEnableServer: true,
    adminServerAddress: "0.0.0.0",
    adminServerPort: 8080,
    adminCommandUrl: "/commands",
    adminIdleTimeoutMs: 30000,
    adminConnectionsMax: 64,
    adminAuthDigests: [],
    adminAuthToken: null,
    adminReadAuthRequired: false,
    metricsProviderClassName: null,
    metricsProviderHttpHost: "0.0.0.0",
    metricsProviderHttpPort: 7000,
    metricsProviderExportJvmInfo: true,
    fsyncWarningThresholdMs: 1000,
    containerMaxPerMinute: 10000,
    containerCheckIntervalMs: 60000,
    sessionlessConnectionTimeoutMs: 10000,
    maxCnxns: 0,
    globalOutstandingLimit: 1000,
    secureClientPort: null,
    secureClientPortAddress: null,
    clientPortEnabled: true,
    ssl: defaultSslConfig(),
    auth: defaultAuthConfig(),
    quorumSecurity: defaultQuorumSecurityConfig(),
  };
}

/** Every four-letter word ZooKeeper 3.8 knows (zookeeper-protocol.md §17). */
export const knownFourLetterWords: ReadonlySet<string> = new Set([
  "ruok",
  "srvr",
  "stat",
  "conf",
  "cons",
  "crst",
  "dump",
  "envi",
  "mntr",
  "wchs",
  "wchc",
  "wchp",
  "isro",
  "srst",
  "dirs",
  "gtmk",
  "stmk",
  "hash",
]);

type Setter = (cfg: ServerConfig, value: string) => void;

function boolean(value: string): boolean {
  const v = value.toLowerCase();
  if (v === "true" || v === "yes") return true;
  if (v === "false" || v === "no") return false;
  throw new ConfigError(`expected true or false, got "${value}"`);
}

function nonEmpty(value: string): string {
  if (value === "") throw new ConfigError("expected a value");
  return value;
}

const int32Max = 2 ** 31 - 1;

const setters: ReadonlyMap<string, Setter> = new Map<string, Setter>([
  ["tickTime", (c, v) => (c.tickTimeMs = integer(v, 1, int32Max))],
  ["dataDir", (c, v) => (c.dataDir = nonEmpty(v))],
  ["dataLogDir", (c, v) => (c.dataLogDir = nonEmpty(v))],
  // 0 asks the operating system for a free port (handy for tests; ZooKeeper refuses it).
  ["clientPort", (c, v) => (c.clientPort = integer(v, 0, portMax))],
  ["clientPortAddress", (c, v) => (c.clientPortAddress = nonEmpty(v))],
  ["minSessionTimeout", (c, v) => (c.minSessionTimeoutMs = integer(v, -1, int32Max))],
  ["maxSessionTimeout", (c, v) => (c.maxSessionTimeoutMs = integer(v, -1, int32Max))],
  ["maxClientCnxns", (c, v) => (c.maxClientCnxns = integer(v, 0, int32Max))],
  ["4lw.commands.whitelist", (c, v) => (c.fourLetterWords = parseWhitelist(v))],
  ["jute.maxbuffer", (c, v) => (c.packetBytesMax = integer(v, 1024, 2 ** 30))],
  [
    "autopurge.snapRetainCount",
    (c, v) => (c.snapRetainCount = Math.max(3, integer(v, 0, int32Max))),
  ],
  ["autopurge.purgeInterval", (c, v) => (c.purgeIntervalHours = integer(v, 0, int32Max))],
  ["snapCount", (c, v) => (c.snapCount = integer(v, 2, int32Max))],
  ["extendedTypesEnabled", (c, v) => (c.extendedTypesEnabled = boolean(v))],
  ["enforceQuota", (c, v) => (c.enforceQuota = boolean(v))],
  ["DigestAuthenticationProvider.superDigest", (c, v) => (c.superDigest = parseSuperDigest(v))],
  ["reconfigEnabled", (c, v) => (c.reconfigEnabled = boolean(v))],
  ["standaloneEnabled", (c, v) => (c.standaloneEnabled = boolean(v))],
  ["ensembleId", (c, v) => (c.ensembleId = nonEmpty(v))],
  ["peerType", (c, v) => (c.peerType = parsePeerType(v))],
  ["ensembleSeed", (c, v) => (c.ensembleSeed = integer(v, 1, 255))],
  ["dynamicConfigFile", (c, v) => (c.dynamicConfigFile = nonEmpty(v))],
  ["linearizableReads", (c, v) => (c.linearizableReads = boolean(v))],
  ["readonlymode.enabled", (c, v) => (c.readOnlyModeEnabled = boolean(v))],
  // ZooKeeper sets the system property zookeeper.skipACL from this key and compares it with
  // "yes" as it is: "true" or "YES" leave the checks on.
  ["skipACL", (c, v) => (c.skipAcl = v === "yes")],
  ["initLimit", (c, v) => (c.initLimit = integer(v, 1, int32Max))],
  ["syncLimit", (c, v) => (c.syncLimit = integer(v, 1, int32Max))],
  ["admin.enableServer", (c, v) => (c.adminEnableServer = boolean(v))],
  ["admin.serverAddress", (c, v) => (c.adminServerAddress = nonEmpty(v))],
  ["admin.serverPort", (c, v) => (c.adminServerPort = integer(v, 0, portMax))],
  ["admin.commandURL", (c, v) => (c.adminCommandUrl = parseCommandUrl(v))],
  ["admin.idleTimeout", (c, v) => (c.adminIdleTimeoutMs = integer(v, 1, int32Max))],
  ["admin.maxConnections", (c, v) => (c.adminConnectionsMax = integer(v, 1, 100000))],
  [
    "admin.authDigest",
    (c, v) => (c.adminAuthDigests = v.split(",").map((d) => parseSuperDigest(d.trim()))),
  ],
  ["admin.authToken", (c, v) => (c.adminAuthToken = parseToken(v))],
  ["admin.readAuthRequired", (c, v) => (c.adminReadAuthRequired = boolean(v))],
  ["metricsProvider.className", (c, v) => (c.metricsProviderClassName = nonEmpty(v))],
  ["metricsProvider.httpHost", (c, v) => (c.metricsProviderHttpHost = nonEmpty(v))],
  ["metricsProvider.httpPort", (c, v) => (c.metricsProviderHttpPort = integer(v, 0, portMax))],
  ["metricsProvider.exportJvmInfo", (c, v) => (c.metricsProviderExportJvmInfo = boolean(v))],
  ["fsync.warningthresholdms", (c, v) => (c.fsyncWarningThresholdMs = integer(v, 0, int32Max))],
  ["znode.container.maxPerMinute", (c, v) => (c.containerMaxPerMinute = integer(v, 1, int32Max))],
  [
    "znode.container.checkIntervalMs",
    (c, v) => (c.containerCheckIntervalMs = integer(v, 1, int32Max)),
  ],
  // ZooKeeper reads this as the system property zookeeper.nio.sessionlessCnxnTimeout, which
  // zoo.cfg sets through its `zookeeper.`-less spelling like any other unknown key.
  [
    "nio.sessionlessCnxnTimeout",
    (c, v) => (c.sessionlessConnectionTimeoutMs = integer(v, 1, int32Max)),
  ],
  ["maxCnxns", (c, v) => (c.maxCnxns = integer(v, 0, int32Max))],
  ["secureClientPort", (c, v) => (c.secureClientPort = integer(v, 0, portMax))],
  ["secureClientPortAddress", (c, v) => (c.secureClientPortAddress = nonEmpty(v))],
  // A system property in ZooKeeper (zookeeper.globalOutstandingLimit), set from zoo.cfg too.
  ["globalOutstandingLimit", (c, v) => (c.globalOutstandingLimit = integer(v, -1, int32Max))],
]);

/**
 * Keys Corral reads into its configuration but does not act on yet, with why. Each is
 * logged at start when zoo.cfg sets it, so nobody believes a setting took effect that did
 * not; a key leaves this table in the change that makes it act.
 */
export const readButNotActedOn: ReadonlyMap<string, string> = new Map([
  ["syncLimit", "Raft's own timing bounds a follower's lag (docs/ensemble.md, Timing)"],
]);

/**
 * Keys ZooKeeper understands that change nothing in Corral (JVM, SASL/TLS, ZAB tuning).
 * They are accepted so an existing zoo.cfg starts unchanged, and reported once as a note.
 */
const acceptedWithoutEffect: ReadonlySet<string> = new Set([
  "electionAlg",
  "syncEnabled",
  "forceSync",
  "preAllocSize",
  "quorumListenOnAllIPs",
  "localSessionsEnabled",
  "localSessionsUpgradingEnabled",
  "clientPortListenBacklog",
  "connectToLearnerMasterLimit",
  "cnxTimeout",
  "serverCnxnFactory",
  "portUnification",
  "observerMasterPort",
  "audit.enable",
  "jvm.pause.warn-threshold.ms",
  "jvm.pause.info-threshold.ms",
  "jvm.pause.sleep.time.ms",
  "quorum.cnxn.threads.size",
  "leaderServes",
]);

function parseWhitelist(value: string): ReadonlySet<string> | "*" {
  const words = value
    .split(",")
    .map((w) => w.trim())
    .filter((w) => w !== "");
  if (words.includes("*")) return "*";
  for (const w of words) {
    if (!knownFourLetterWords.has(w)) throw new ConfigError(`unknown four-letter word "${w}"`);
  }
  return new Set([...words, "srvr"]);
}

/** ZooKeeper reads peerType case-insensitively and refuses anything but its two roles. */
function parsePeerType(value: string): "participant" | "observer" {
  const role = value.toLowerCase();
  if (role !== "participant" && role !== "observer") {
    throw new ConfigError(`Unrecognised peertype: ${value}`);
  }
  return role;
}

function parseCommandUrl(value: string): string {
  // A path of plain segments; "/" alone would hide every other route of the admin port.
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(value)) {
    throw new ConfigError(`expected a path such as /commands, got "${value}"`);
  }
  return value;
}

function parseToken(value: string): string {
  // Short tokens can be guessed; 16 characters of any alphabet is the floor.
  if (value.length < 16 || /\s/.test(value)) {
    throw new ConfigError("expected a token of at least 16 characters without spaces");
  }
  return value;
}

function parseSuperDigest(value: string): string {
  // ZooKeeper's form is `super:<base64 of sha1("super:password")>`.
  if (!/^[^:]+:[A-Za-z0-9+/]{27}=$/.test(value)) {
    throw new ConfigError(`expected user:base64sha1 (28 characters), got "${value}"`);
  }
  return value;
}

/** Parses zoo.cfg text into a validated configuration, with warnings for unknown keys. */
export function parseZooCfg(text: string): { config: ServerConfig; warnings: ConfigWarning[] } {
  const config = defaultConfig();
  const warnings: ConfigWarning[] = [];
  const setKeys = new Set<string>();
  const seenIds = new Set<number>();
  for (const { key, value, line } of parseProperties(text)) {
    const bare = key.startsWith("zookeeper.") ? key.slice("zookeeper.".length) : key;
    if (key === "zookeeper.skipACL") {
      // Corral takes `zookeeper.`-prefixed keys as the bare ones, but ZooKeeper would set the
      // property zookeeper.zookeeper.skipACL from this line and keep its ACL checks; a switch
      // that unprotects every node must not do more here than there.
      warnings.push({
        line,
        message: `${key} ignored, as ZooKeeper ignores it: the key is skipACL`,
      });
      continue;
    }
    try {
      const serverMatch = /^server\.(\d+)$/.exec(bare);
      if (serverMatch) {
        const id = integer(serverMatch[1], 0, 255);
        if (seenIds.has(id)) throw new ConfigError(`server.${id} appears twice`);
        seenIds.add(id);
        config.servers.push(parseServerSpec(id, value));
        continue;
      }
      const setter = setters.get(bare);
      if (applyQuorumSecurityKey(config.quorumSecurity, bare, value)) {
        setKeys.add(bare);
      } else if (
        bare !== "ssl.authProvider" &&
        bare.startsWith("ssl.") &&
        applySslKey(config.ssl, bare, value)
      ) {
        setKeys.add(bare);
      } else if (applyAuthKey(config.auth, bare, value)) {
        setKeys.add(bare);
      } else if (setter !== undefined) {
        setter(config, value);
        setKeys.add(bare);
        const why = readButNotActedOn.get(bare);
        if (why !== undefined) {
          warnings.push({ line, message: `${key} is read but not acted on yet: ${why}` });
        }
      } else if (
        acceptedWithoutEffect.has(bare) ||
        /^(group|weight)\.\d+$/.test(bare) ||
        /^(quorum\.auth|ssl|authProvider|sasl|kerberos|multiAddress)\./.test(bare)
      ) {
        warnings.push({ line, message: `${key} is accepted but has no effect in Corral` });
      } else {
        warnings.push({ line, message: `unknown key ${key} ignored` });
      }
    } catch (err) {
      if (
        err instanceof ConfigError ||
        err instanceof SslConfigError ||
        err instanceof AuthConfigError ||
        err instanceof QuorumSecurityConfigError
      )
        throw new ConfigError(`zoo.cfg line ${line}: ${key}: ${err.message}`);
      throw err;
    }
  }
  // ZooKeeper derives the session timeout bounds from tickTime unless they are set (-1 = derive).
  if (!setKeys.has("minSessionTimeout") || config.minSessionTimeoutMs === -1) {
    config.minSessionTimeoutMs = 2 * config.tickTimeMs;
  }
  if (!setKeys.has("maxSessionTimeout") || config.maxSessionTimeoutMs === -1) {
    config.maxSessionTimeoutMs = 20 * config.tickTimeMs;
  }
  if (config.minSessionTimeoutMs > config.maxSessionTimeoutMs) {
    throw new ConfigError(
      `minSessionTimeout (${config.minSessionTimeoutMs}) must not exceed maxSessionTimeout (${config.maxSessionTimeoutMs})`,
    );
  }
  // Like ZooKeeper, the transaction log lives in dataDir unless dataLogDir says otherwise.
  if (!setKeys.has("dataLogDir")) config.dataLogDir = config.dataDir;
  try {
    checkAuthConfig(config.auth);
    checkQuorumSecurityConfig(config.quorumSecurity);
  } catch (err) {
    if (err instanceof AuthConfigError || err instanceof QuorumSecurityConfigError) {
      throw new ConfigError(err.message);
    }
    throw err;
  }
  if (config.secureClientPort !== null && config.ssl.keyStore.location === null) {
    throw new ConfigError(
      "secureClientPort needs ssl.keyStore.location (the server's certificate)",
    );
  }
  if (!setKeys.has("clientPort") && config.secureClientPort !== null) {
    config.clientPortEnabled = false;
  } else if (!setKeys.has("clientPort") && config.servers.length === 0) {
    warnings.push({ line: 0, message: "clientPort not set; using 2181" });
  }
  config.servers.sort((a, b) => a.id - b.id);
  return { config, warnings };
}
