// A real standalone member on a simulated disk with its admin port on real HTTP (a free
// loopback port), for the admin tests that need to hold the member's disk, replace its
// status source or count what a route asks of it, which a server process would not let
// them do. close() stops the port and the member.
import { type AdminPort, startAdminPort } from "../../src/admin/admin-port.js";
import { MemoryLogger } from "../../src/base/logger.js";
import { NodeClock } from "../../src/io/node-clock.js";
import { NodeRandom } from "../../src/io/node-random.js";
import { defaultConfig, type ServerConfig } from "../../src/server/config.js";
import { type MemberStatusSource, StandaloneStatusSource } from "../../src/server/member-status.js";
import { type RunningMember, startMember } from "../../src/server/start-member.js";
import { Prng } from "../../src/sim/prng.js";
import { SimDisk } from "../../src/sim/sim-disk.js";

export interface SimAdminMemberOptions {
  /** Seed of the simulated disk's random source. */
  seed: number;
  /** Runs the disk's completions; at once (setImmediate) by default. */
  schedule?: (run: () => void) => void;
  /** Changes the configuration before the member starts (dataDir is /data). */
  configure?: (config: ServerConfig) => void;
  /** The admin port's status source; the member's own StandaloneStatusSource by default. */
  status?: MemberStatusSource;
  directorySizes?: () => { dataBytes: number; logBytes: number };
}

export interface SimAdminMember {
  standalone: RunningMember;
  admin: AdminPort;
  close(): Promise<void>;
}

export async function startSimAdminMember(options: SimAdminMemberOptions): Promise<SimAdminMember> {
  const config = defaultConfig();
  config.dataDir = "/data";
  config.dataLogDir = "/data";
  config.adminServerAddress = "127.0.0.1";
  config.adminServerPort = 0;
  options.configure?.(config);
  const logger = new MemoryLogger();
  const disk = new SimDisk({
    random: new Prng(options.seed),
    schedule: options.schedule ?? ((run) => setImmediate(run)),
  });
  const standalone = await new Promise<RunningMember>((resolve, reject) =>
    startMember(
      {
        config,
        disk,
        clock: new NodeClock(),
        random: new NodeRandom(),
        logger,
        defer: setImmediate,
        directorySizes: options.directorySizes,
      },
      (error, s) => (error || s === null ? reject(error) : resolve(s)),
    ),
  );
  standalone.member.clientPort = 2181;
  let admin: AdminPort;
  try {
    admin = await startAdminPort({
      config,
      member: standalone.member,
      status:
        options.status ??
        new StandaloneStatusSource(standalone.raftLog, () => standalone.member.readOnly),
      storage: standalone.storage,
      initialConfiguration: "",
      logger,
    });
  } catch (err) {
    await new Promise((r) => standalone.close(r));
    throw err;
  }
  return {
    standalone,
    admin,
    async close() {
      await admin.close();
      await new Promise((r) => standalone.close(r));
    },
  };
}
