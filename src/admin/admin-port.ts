// Assembles the admin HTTP port of a running member from its configuration: the AdminServer
// commands under admin.commandURL, /metrics, /livez and /readyz, and (when zoo.cfg names
// ZooKeeper's Prometheus metrics provider) a second port that serves only /metrics, as
// ZooKeeper's metricsProvider.httpPort does. The cli calls this once the member serves.
import { statSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../base/logger.js";
import type { ServerConfig } from "../server/config.js";
import type { LeadershipTransfer } from "../server/leadership-transfer.js";
import type { Member } from "../server/member.js";
import type { MemberStatusSource } from "../server/member-status.js";
import { snapshotName } from "../storage/snapshot-file.js";
import type { Storage } from "../storage/storage.js";
import { AdminAuth } from "./admin-auth.js";
import { type AdminRequest, AdminServer } from "./admin-server.js";
import { registerCommandRoutes } from "./command-routes.js";
import type { AdminSources } from "./commands.js";
import { registerDashboard } from "./dashboard.js";
import { registerHealthRoutes } from "./health.js";
import { registerLeaderRoutes } from "./leader-route.js";
import { Metrics } from "./metrics.js";
import { ZnodeApi } from "./znode-api.js";

export interface AdminPortDeps {
  config: ServerConfig;
  member: Member;
  status: MemberStatusSource;
  storage: Storage;
  /** The zoo.cfg text the server started from ("" with embedded defaults). */
  initialConfiguration: string;
  logger: Logger;
  /** An ensemble member's leadership transfer (POST /api/leader/transfer); absent standalone. */
  leadership?: LeadershipTransfer;
  /** Extra routes (the dashboard) registered on the same server. */
  extend?: (server: AdminServer, sources: AdminSources, auth: AdminAuth) => void;
}

export interface AdminPort {
  port: number;
  /** The separate metrics port (metricsProvider.httpPort), or null. */
  metricsPort: number | null;
  metrics: Metrics;
  server: AdminServer;
  close(): Promise<void>;
}

/** ZooKeeper's Prometheus provider; naming it in zoo.cfg asks for the separate port. */
export const prometheusProviderClass =
  "org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider";

/** Committed-but-unapplied entries a member may have and still call itself ready. */
export const readyApplyLagEntriesMax = 1000;

export async function startAdminPort(deps: AdminPortDeps): Promise<AdminPort> {
  const { config, member, logger } = deps;
  let running = true;
  const server = new AdminServer(
    {
      host: config.adminServerAddress,
      port: config.adminServerPort,
      idleTimeoutMs: config.adminIdleTimeoutMs,
      connectionsMax: config.adminConnectionsMax,
    },
    logger,
  );
  const auth = new AdminAuth(
    {
      digests: config.adminAuthDigests,
      token: config.adminAuthToken,
      readAuthRequired: config.adminReadAuthRequired,
    },
    logger,
  );
  const metrics = new Metrics({
    member,
    status: deps.status,
    fsyncWarningThresholdMs: config.fsyncWarningThresholdMs,
    exportRuntimeInfo: config.metricsProviderExportJvmInfo,
    adminConnectionsRefused: () => server.refusedConnections,
    adminAuthFailures: () => auth.failures,
  });
  const sources: AdminSources = {
    member,
    status: deps.status,
    initialConfiguration: deps.initialConfiguration,
    lastSnapshot: () => lastSnapshot(deps.storage, config.dataDir),
    fsyncThresholdExceedCount: () => metrics.fsyncThresholdExceeded,
    traceMask: 306,
  };
  registerCommandRoutes(server, config.adminCommandUrl, sources, auth);
  const scrape = async (request: AdminRequest): Promise<void> => {
    if (auth.allowRead(request) === null) return;
    request.send(200, metrics.contentType, await metrics.render());
  };
  server.route("/metrics", ["GET"], scrape);
  registerHealthRoutes(server, {
    member,
    status: deps.status,
    applyLagEntriesMax: readyApplyLagEntriesMax,
    running: () => running,
  });
  new ZnodeApi({ member, config, auth }).register(server);
  if (deps.leadership !== undefined) registerLeaderRoutes(server, deps.leadership, auth);
  registerDashboard(server, { member, status: deps.status, metrics, auth });
  deps.extend?.(server, sources, auth);
  let metricsServer: AdminServer | null = null;
  let metricsPort: number | null = null;
  let port: number;
  try {
    port = await server.listen();
    if (config.metricsProviderClassName === prometheusProviderClass) {
      metricsServer = new AdminServer(
        {
          host: config.metricsProviderHttpHost,
          port: config.metricsProviderHttpPort,
          idleTimeoutMs: config.adminIdleTimeoutMs,
        },
        logger,
      );
      metricsServer.route("/metrics", ["GET"], scrape);
      metricsPort = await metricsServer.listen();
    } else if (config.metricsProviderClassName !== null) {
      logger.warn(
        "metricsProvider.className names no provider Corral has; /metrics is on the admin port",
        {
          className: config.metricsProviderClassName,
        },
      );
    }
  } catch (err) {
    metrics.close();
    await server.close();
    throw err;
  }
  return {
    port,
    metricsPort,
    metrics,
    server,
    close: async () => {
      running = false;
      metrics.close();
      await Promise.all([server.close(), metricsServer?.close()]);
    },
  };
}

/** The newest snapshot's zxid and file time (ZooKeeper reports the file's mtime). */
function lastSnapshot(
  storage: Storage,
  snapDir: string,
): { zxid: number; timestampSec: number } | null {
  const indexes = storage.snapshotIndexes();
  if (indexes.length === 0) return null;
  const zxid = indexes[indexes.length - 1];
  try {
    const mtimeMs = statSync(join(snapDir, snapshotName(zxid))).mtimeMs;
    return { zxid, timestampSec: Math.floor(mtimeMs / 1000) };
  } catch {
    // Purged between the listing and the stat: report the zxid without a time.
    return { zxid, timestampSec: 0 };
  }
}
