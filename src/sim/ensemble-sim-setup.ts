// What one seed decides about an ensemble simulation before it starts: its profile. Swarm
// testing: rather than every run mixing every fault a little, each seed draws which faults
// it uses and how hard (crashes or none, partitions or none, one-way or not, message loss,
// slow or fast links, disk latency and faults, how often clients move between members), so
// that some runs hammer one mechanism and others another. The profile is printed in every
// failure report.
import { defaultConfig, type ServerConfig } from "../server/config.js";
import { digestId } from "../server/digest.js";
import type { EnsembleClientSetup } from "./ensemble-client.js";
import { simSuperPassword } from "./ensemble-reconfig-client.js";
import type { Prng } from "./prng.js";

export interface EnsembleProfile {
  /** Voters. */
  members: number;
  /** Raft learners (ZooKeeper's observers) beside the voters: they serve clients, never vote. */
  observers: number;
  clients: number;
  keys: number;
  latencyMsMax: number;
  jitterMsMax: number;
  reconnectMsMax: number;
  lossPerMille: number;
  diskLatencyMsMax: number;
  snapCount: number;
  /** Longest gap between two crashes; 0 for none. */
  crashGapMsMax: number;
  /** Longest gap between two partitions; 0 for none. */
  partitionGapMsMax: number;
  oneWayPartitions: boolean;
  diskFaults: boolean;
  movePercent: number;
  sessionTimeoutMs: number;
  /** Longest gap between two leadership transfers asked of the leader; 0 for none. */
  transferGapMsMax: number;
  /** Members that run from the start outside the configuration, until a change adds them. */
  spares: number;
  /** Longest gap between two reconfig requests of the operator; 0 for none. */
  confChangeGapMsMax: number;
}

export function drawProfile(random: Prng, members: number): EnsembleProfile {
  const partitions = random.chance(0.5);
  return {
    members,
    observers: random.pick([0, 0, 1, 2]),
    clients: random.between(2, 5),
    keys: random.between(1, 3),
    latencyMsMax: random.pick([1, 3, 10, 30]),
    jitterMsMax: random.pick([0, 2, 10]),
    reconnectMsMax: random.pick([20, 100, 400]),
    lossPerMille: partitions ? random.pick([0, 0, 5, 30]) : 0,
    diskLatencyMsMax: random.pick([0, 1, 2, 8]),
    snapCount: random.pick([20, 100, 100_000]),
    crashGapMsMax: random.pick([0, 1500, 3000, 5000]),
    partitionGapMsMax: partitions ? random.pick([500, 1500, 3000]) : 0,
    oneWayPartitions: partitions && random.chance(0.5),
    diskFaults: random.chance(0.2),
    movePercent: random.pick([0, 20, 60]),
    sessionTimeoutMs: random.pick([3000, 5000]),
    transferGapMsMax: random.pick([0, 0, 800, 2500]),
    spares: random.pick([0, 1, 2]),
    confChangeGapMsMax: random.pick([0, 0, 600, 2000]),
  };
}

/**
 * A session may expire only after its client was away for a while, unless the network
 * partitions or loses messages: then a member cut off from the leader (one way) cannot pass
 * on that its clients are alive, and the leader rightly expires them.
 */
export function strictExpiry(p: EnsembleProfile): boolean {
  return p.partitionGapMsMax === 0 && p.lossPerMille === 0;
}

export function drawClientSetup(
  number: number,
  random: Prng,
  profile: EnsembleProfile,
): EnsembleClientSetup {
  return {
    number,
    pipelineMax: random.between(1, 4),
    thinkMsMax: random.between(2, 40),
    sessionTimeoutMs: profile.sessionTimeoutMs,
    closePerMille: random.below(8),
    dropPerMille: random.below(15),
    silencePerMille: random.below(3),
    movePercent: profile.movePercent,
    strictExpiry: strictExpiry(profile),
  };
}

export function describeProfile(p: EnsembleProfile, plantedBug: string | undefined): string {
  return (
    `${p.members} members${p.observers > 0 ? ` + ${p.observers} observers` : ""}` +
    `${p.spares > 0 ? ` + ${p.spares} spares` : ""}, ` +
    `${p.clients} clients on ${p.keys} registers, ` +
    `links ${p.latencyMsMax}ms+${p.jitterMsMax}ms jitter, reconnect <=${p.reconnectMsMax}ms, ` +
    `loss ${p.lossPerMille}/1000, disk 0..${p.diskLatencyMsMax}ms, snapCount ${p.snapCount}, ` +
    (p.crashGapMsMax > 0 ? `crash gap <=${p.crashGapMsMax}ms, ` : "no crashes, ") +
    (p.partitionGapMsMax > 0
      ? `partition gap <=${p.partitionGapMsMax}ms${p.oneWayPartitions ? " (some one-way)" : ""}, `
      : "no partitions, ") +
    (p.transferGapMsMax > 0 ? `transfers <=${p.transferGapMsMax}ms, ` : "") +
    (p.confChangeGapMsMax > 0 ? `membership changes <=${p.confChangeGapMsMax}ms, ` : "") +
    `${p.diskFaults ? "disk faults, " : ""}moves ${p.movePercent}%, session timeout ${p.sessionTimeoutMs}ms` +
    (plantedBug ? `, planted bug ${plantedBug}` : "")
  );
}

export function ensembleConfig(p: EnsembleProfile): ServerConfig {
  const config = defaultConfig();
  config.tickTimeMs = 100;
  config.minSessionTimeoutMs = 400;
  config.maxSessionTimeoutMs = 20_000;
  config.dataDir = "/data";
  config.dataLogDir = "/log";
  config.snapCount = p.snapCount;
  // Membership changes go through ZooKeeper's reconfig request, which needs both: the switch,
  // and a super user (nobody else may write /zookeeper/config).
  config.reconfigEnabled = true;
  config.superDigest = digestId(`super:${simSuperPassword}`);
  return config;
}
