// Starts the real Apache ZooKeeper server (Debian's `zookeeper` package, installed by
// scripts/install-interop.sh) on a free loopback port with a temporary data directory, for
// interop, differential and client tests. stop() kills it and removes the directory.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fourLetterWord } from "./four-letter.js";
import { freePort } from "./ports.js";

/** The server jar; CORRAL_ZOOKEEPER_JAR points elsewhere (test/support/peers.test.ts uses it). */
export const zookeeperJar = process.env.CORRAL_ZOOKEEPER_JAR ?? "/usr/share/java/zookeeper.jar";
const servletApiJar = "/usr/share/java/servlet-api.jar";

/** Quick start-up over speed, for tests: small heap, serial GC, C1 only. */
export const quickStartJvmOptions: readonly string[] = [
  "-Xmx256m",
  "-XX:+UseSerialGC",
  "-XX:TieredStopAtLevel=1",
];

/**
 * Netty jars that Debian's zookeeper.jar manifest leaves out but the Netty connection
 * factory (the only one that serves TLS) and ClientCnxnSocketNetty need at run time.
 */
export const nettyRuntimeJars = ["netty-codec.jar", "netty-resolver.jar"].map(
  (j) => `/usr/share/java/${j}`,
);

export function realZooKeeperAvailable(): boolean {
  return existsSync(zookeeperJar) && existsSync("/usr/bin/java");
}

/** The real ZooKeeper can also run its AdminServer (the servlet API is installed). */
export function realZooKeeperAdminAvailable(): boolean {
  return realZooKeeperAvailable() && existsSync(servletApiJar);
}

export interface RealZooKeeper {
  port: number;
  dataDir: string;
  /** Connect string for clients: 127.0.0.1:<port>. */
  connectString: string;
  stop(): Promise<void>;
}

export interface RealZooKeeperOptions {
  tickTimeMs?: number;
  /** Extra zoo.cfg lines. */
  extraConfig?: string[];
  /** Extra JVM system properties, e.g. zookeeper.DigestAuthenticationProvider.superDigest=... */
  systemProperties?: Record<string, string>;
  startTimeoutMs?: number;
  /**
   * JVM options in place of the defaults, which favour quick start-up over speed (small heap,
   * serial GC, C1 only) for tests; a benchmark passes its own so ZooKeeper runs at full speed.
   */
  jvmOptions?: string[];
  /**
   * Run a read-only server: member 1 of a three-member ensemble whose other members never
   * start, with readonlymode.enabled and localSessionsEnabled (which ZooKeeper 3.7+ needs
   * for read-only sessions). It serves, read-only, once its election has waited
   * max(2 s, tickTime) in vain.
   */
  readOnlyPartitioned?: boolean;
  /**
   * Run member 1 of a three-member ensemble whose other members never start, without
   * read-only mode: it listens but never serves (start() returns once it answers srvr).
   */
  leaderless?: boolean;
  /**
   * Start ZooKeeper's Jetty AdminServer on this loopback port (0 = none). Debian's
   * zookeeper.jar names Jetty in its manifest but not the servlet API, without which
   * ZooKeeper quietly runs no AdminServer, so that jar is added to the class path.
   */
  adminServerPort?: number;
}

export async function startRealZooKeeper(
  options: RealZooKeeperOptions = {},
): Promise<RealZooKeeper> {
  const dataDir = mkdtempSync(join(tmpdir(), "corral-realzk-"));
  const port = await freePort();
  const quorum: string[] = [];
  const alone = options.readOnlyPartitioned === true || options.leaderless === true;
  if (alone) {
    writeFileSync(join(dataDir, "myid"), "1\n");
    quorum.push("initLimit=5", "syncLimit=2", "localSessionsEnabled=true");
    for (let id = 1; id <= 3; id++) {
      quorum.push(`server.${id}=127.0.0.1:${await freePort()}:${await freePort()}`);
    }
  }
  const cfg = [
    `tickTime=${options.tickTimeMs ?? 2000}`,
    `dataDir=${dataDir}`,
    `clientPort=${port}`,
    "clientPortAddress=127.0.0.1",
    ...(options.adminServerPort
      ? [
          "admin.enableServer=true",
          "admin.serverAddress=127.0.0.1",
          `admin.serverPort=${options.adminServerPort}`,
        ]
      : ["admin.enableServer=false"]),
    "4lw.commands.whitelist=*",
    "extendedTypesEnabled=true",
    "maxClientCnxns=0",
    ...quorum,
    ...(options.extraConfig ?? []),
  ];
  const cfgPath = join(dataDir, "zoo.cfg");
  writeFileSync(cfgPath, `${cfg.join("\n")}\n`);
  const properties = { ...options.systemProperties };
  if (options.readOnlyPartitioned === true) properties["readonlymode.enabled"] = "true";
  const props = Object.entries(properties).map(([k, v]) => `-D${k}=${v}`);
  const child: ChildProcess = spawn(
    "java",
    [
      ...(options.jvmOptions ?? quickStartJvmOptions),
      ...props,
      "-cp",
      [
        "/etc/zookeeper/conf",
        zookeeperJar,
        ...nettyRuntimeJars,
        ...(options.adminServerPort ? [servletApiJar] : []),
      ].join(":"),
      alone
        ? "org.apache.zookeeper.server.quorum.QuorumPeerMain"
        : "org.apache.zookeeper.server.ZooKeeperServerMain",
      cfgPath,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    if (stderr.length < 20000) stderr += d.toString();
  });
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      resolve();
    });
  });
  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill("SIGKILL");
      await exitPromise;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 30000);
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`ZooKeeper exited during start-up: ${stderr}`);
    }
    try {
      // ruok answers imok before the server serves; srvr tells the truth.
      const srvr = await fourLetterWord(port, "srvr", 1000);
      if (srvr.startsWith(options.leaderless === true ? "This ZooKeeper" : "Zookeeper version")) {
        break;
      }
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`ZooKeeper did not start serving on port ${port}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, dataDir, connectString: `127.0.0.1:${port}`, stop };
}
