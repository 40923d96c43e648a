// What one seed decides about a member simulation before it starts: how many clients and how
// they behave, the network's and the disk's latencies, how a crash tears the last write, how
// often the member takes a snapshot, how often it crashes, whether the disk fails; and the
// member's configuration (short ticks and session timeouts, so that expiry happens within a
// run, and a data and a log directory apart).
import { defaultConfig, type ServerConfig } from "../server/config.js";
import type { MemberPlantedBug } from "./member-sim-bugs.js";
import type { Prng } from "./prng.js";
import type { ClientSetup } from "./sim-client.js";

export interface MemberSimSetup {
  clients: number;
  netLatencyMsMax: number;
  diskLatencyMsMax: number;
  scrambledTears: boolean;
  snapCount: number;
  crashGapMsMax: number;
  diskFaults: boolean;
  /** Small segments make the log roll often, so recovery meets many of them. */
  walSegmentBytesMax: number;
}

export function drawSetup(random: Prng): MemberSimSetup {
  return {
    clients: random.between(2, 4),
    netLatencyMsMax: random.pick([0, 1, 3]),
    diskLatencyMsMax: random.pick([0, 1, 2, 8]),
    scrambledTears: random.chance(0.5),
    snapCount: random.pick([10, 30, 100, 100_000]),
    crashGapMsMax: random.pick([300, 1000, 3000]),
    diskFaults: random.chance(0.3),
    walSegmentBytesMax: random.pick([1024, 4096, 64 * 1024 * 1024]),
  };
}

export function drawClientSetup(number: number, random: Prng): ClientSetup {
  return {
    number,
    pipelineMax: random.between(1, 5),
    thinkMsMax: random.between(2, 30),
    sessionTimeoutMs: 4000,
    closePerMille: random.below(15),
    dropPerMille: random.below(15),
    silencePerMille: random.below(4),
  };
}

export function describeSetup(s: MemberSimSetup, plantedBug: MemberPlantedBug | undefined): string {
  return (
    `${s.clients} clients, net 0..${s.netLatencyMsMax}ms, disk 0..${s.diskLatencyMsMax}ms` +
    `${s.scrambledTears ? " scrambled tears" : ""}, snapCount ${s.snapCount}, ` +
    `crash gap <=${s.crashGapMsMax}ms${s.diskFaults ? ", disk faults" : ""}, ` +
    `WAL segments ${s.walSegmentBytesMax} bytes` +
    (plantedBug ? `, planted bug ${plantedBug}` : "")
  );
}

export function simConfig(setup: MemberSimSetup): ServerConfig {
  const config = defaultConfig();
  config.tickTimeMs = 100;
  config.minSessionTimeoutMs = 400;
  config.maxSessionTimeoutMs = 20_000;
  config.dataDir = "/data";
  config.dataLogDir = "/log";
  config.snapCount = setup.snapCount;
  return config;
}
