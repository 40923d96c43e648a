// Swarm testing for the Raft simulator: every seed first draws a *profile* of the run, which
// fault kinds are enabled at all and how strongly, the timing of the cluster (election
// timeout, heartbeat, clock skew between members, proposal rate) and the shape of the
// cluster, and only then runs. A single fixed mix of every fault at once dilutes each of
// them: a bug that needs, say, a voter to crash between sending a vote and making it durable
// and then to hear a second candidate, is drowned by the partitions, transfers and slow
// disks that happen meanwhile. Most profiles therefore enable few fault kinds, each of them
// intense, so that across seeds every corner gets runs that hammer it.
//
// On top of the random mix, a profile names a *scenario*: a nemesis that aims at one known
// subtle interleaving (leaders that fall right after winning or appending, votes racing a
// crash before their fsync, a leader cut off and the network healed just after the next
// election). Everything is drawn from the run's Prng, so a seed still replays exactly, and
// the profile is printed with a failure so the reader knows what the seed exercised.
import type { Prng } from "./prng.js";

/** The faults and operations the scheduler can pick, each with a weight (0: disabled). */
export const faultKinds = [
  /** Crash a member (aimed at a disk write, the leader, or anyone); it restarts later. */
  "crash",
  /** Cut one member off from everyone, both ways. */
  "isolate",
  /** Split the members in two random sides. */
  "split",
  /** Block one direction of one link. */
  "oneWay",
  /** Heal every partition. Enabled with any partition kind. */
  "heal",
  /** Switch the network between calm and the profile's storm (loss, duplicates, spikes). */
  "weather",
  /** Make one member's disk slow, or fast again. */
  "slowDisk",
  /** Add, promote, demote or remove a member (needs spare members). */
  "confChange",
  /** Ask the leader to transfer leadership. */
  "transfer",
  /** Start a read-index request at some member. */
  "read",
  /** Compact some member's log behind a snapshot. */
  "compact",
] as const;

export type FaultKind = (typeof faultKinds)[number];

/** The nemesis a profile is built around; `mixed` and `sparse` are plain random mixes. */
export type Scenario =
  /** Every kind enabled, moderate weights (the simulator's mix before swarm testing). */
  | "mixed"
  /** A few kinds enabled, each intense. */
  | "sparse"
  /** New leaders crash or are cut off right after winning or appending; figure 8's logs. */
  | "leader-churn"
  /** Short, tight election timeouts and voters that crash before their vote is durable. */
  | "vote-races"
  /** The leader is cut off right after it appends, and the network heals right after the next election. */
  | "leader-isolation";

export const scenarios: readonly Scenario[] = [
  "mixed",
  "sparse",
  "leader-churn",
  "vote-races",
  "leader-isolation",
];

/** How often each scenario is drawn, in the order of `scenarios`. */
const scenarioWeights = [1, 2, 1, 1, 1];

/** What a leader that is struck down suffers. */
export type StrikeAction = "crash" | "isolate" | "mute" | "deaf";

export interface StormFaults {
  lossRate: number;
  duplicateRate: number;
  latencyMaxMs: number;
  spikeRate: number;
  latencySpikeMs: number;
}

export interface SwarmProfile {
  scenario: Scenario;
  voters: number;
  learners: number;
  /** Members outside the configuration, for membership changes (0 without them). */
  spares: number;
  electionTicks: number;
  heartbeatTicks: number;
  preVote: boolean;
  checkQuorum: boolean;
  inflightMessagesMax: number;
  inflightBytesMax: number;
  appendBytesMax: number;
  snapshotChunkBytes: number;
  compactRetainEntries: number;
  /** Every member snapshots and compacts its log after this many applied entries. */
  snapCount: number;
  /** Each member's tick period is 10 ms times a factor in [1 - skew, 1 + skew]. */
  tickSkew: number;
  /** Scheduler weights per fault kind; 0 disables the kind for the whole run. */
  weights: Record<FaultKind, number>;
  /** The longest gap between two scheduled faults. */
  chaosGapMaxMs: number;
  /** Where crashes aim: weights for a member mid-write, the leader, anyone. */
  crashAim: [writing: number, leader: number, anyone: number];
  /** A crashed member restarts after a delay drawn log-uniformly from this range. */
  restartDelayMs: [number, number];
  /** The network while it storms (the `weather` kind switches it on and off). */
  storm: StormFaults;
  /** Whether the run starts in the storm. */
  stormAtStart: boolean;
  /** The slowest a slow disk gets. */
  diskSlowMsMax: number;
  /** Probability that a new leader is struck down soon after winning. */
  strikeOnWin: number;
  /** Probability that a leader is struck down right after accepting a proposal. */
  strikeOnAppend: number;
  /** Probability that a leader is struck down right after advancing its commit index. */
  strikeOnCommit: number;
  /** Strikes land within this many ms. */
  strikeDelayMaxMs: number;
  strikeActions: readonly StrikeAction[];
  /**
   * Probability that a member handing its disk a write of a new vote or term crashes before
   * that write completes (the window in which a vote is on the wire but not yet durable).
   */
  crashBeforeVoteFsync: number;
  /** The same for a write of log entries. */
  crashBeforeAppendFsync: number;
  /** Heal the network and restart every crashed member as soon as a new leader is elected. */
  healOnNewLeader: boolean;
  /** The client proposes every [lo, hi] ms. */
  proposalGapMs: [number, number];
  /** The chaos phase is the run's event budget times this factor. */
  lengthFactor: number;
}

/** A number between lo and hi whose logarithm is uniform: as many short delays as long ones. */
export function logUniform(rng: Prng, lo: number, hi: number): number {
  return lo * (hi / lo) ** rng.float();
}

/**
 * Draws the profile of one run. `rng` is the run's generator, so the seed decides it;
 * `only` forces the scenario (the rest of the profile is drawn as usual).
 */
export function drawProfile(rng: Prng, only?: Scenario): SwarmProfile {
  const drawn = pickWeighted(rng, scenarios, scenarioWeights);
  const scenario = only ?? drawn;
  const voters = rng.chance(0.05) ? 1 : rng.chance(0.55) ? 3 : 5;
  const membership = rng.chance(0.6);
  const electionTicks = rng.pick([4, 6, 10, 10, 15, 20]);
  const p: SwarmProfile = {
    scenario,
    voters,
    learners: rng.chance(0.6) ? 0 : 1,
    spares: membership ? rng.between(1, 2) : 0,
    electionTicks,
    heartbeatTicks: rng.between(1, Math.min(3, electionTicks >> 1)),
    preVote: membership || rng.chance(0.7),
    checkQuorum: rng.chance(0.7),
    inflightMessagesMax: rng.between(1, 8),
    inflightBytesMax: rng.between(16, 512),
    appendBytesMax: rng.chance(0.5) ? rng.between(4, 32) : rng.between(32, 256),
    snapshotChunkBytes: rng.between(16, 256),
    compactRetainEntries: rng.between(0, 20),
    snapCount: rng.pick([10, 50, 200]),
    tickSkew: rng.pick([0, 0.02, 0.05, 0.2]),
    weights: drawWeights(rng, scenario, membership),
    chaosGapMaxMs: rng.pick([5, 10, 30, 60, 120]),
    crashAim: [rng.between(0, 3), rng.between(0, 3), rng.between(1, 3)],
    restartDelayMs: rng.pick<[number, number]>([
      [0.1, 5],
      [1, 50],
      [20, 300],
      [0.1, 1000],
    ]),
    storm: {
      lossRate: rng.chance(0.5) ? 0 : rng.float() * 0.3,
      duplicateRate: rng.chance(0.5) ? 0 : rng.float() * 0.3,
      latencyMaxMs: rng.pick([2, 5, 15, 30, 60]),
      spikeRate: rng.chance(0.5) ? 0 : rng.float() * 0.1,
      latencySpikeMs: rng.between(10, 300),
    },
    stormAtStart: rng.chance(0.5),
    diskSlowMsMax: rng.pick([5, 20, 200]),
    strikeOnWin: rng.pick([0, 0, 0.3, 0.8]),
    strikeOnAppend: rng.pick([0, 0, 0, 0.05, 0.3]),
    strikeOnCommit: rng.pick([0, 0, 0.15, 0.4]),
    strikeDelayMaxMs: rng.pick([3, 10, 30]),
    strikeActions: rng.pick<StrikeAction[]>([
      ["crash"],
      ["crash", "isolate"],
      ["isolate", "mute", "deaf"],
      ["crash", "isolate", "mute", "deaf"],
    ]),
    crashBeforeVoteFsync: rng.pick([0, 0, 0, 0.1, 0.3]),
    crashBeforeAppendFsync: rng.pick([0, 0, 0, 0.02, 0.1]),
    healOnNewLeader: rng.chance(0.15),
    proposalGapMs: rng.pick<[number, number]>([
      [1, 3],
      [2, 10],
      [2, 10],
      [10, 40],
      [50, 200],
    ]),
    lengthFactor: rng.pick([0.5, 1, 1, 1.5]),
  };
  applyScenario(rng, p);
  return p;
}

function pickWeighted<T>(rng: Prng, items: readonly T[], weights: readonly number[]): T {
  let total = 0;
  for (const w of weights) total += w;
  let x = rng.float() * total;
  for (let i = 0; i < items.length; i++) {
    x -= weights[i];
    if (x < 0) return items[i];
  }
  return items[items.length - 1];
}

function drawWeights(
  rng: Prng,
  scenario: Scenario,
  membership: boolean,
): Record<FaultKind, number> {
  const w = {} as Record<FaultKind, number>;
  // How many kinds a run enables: most runs few, some all (the "mixed" scenario).
  const enable = scenario === "mixed" ? 1 : rng.pick([0.15, 0.3, 0.5]);
  for (const k of faultKinds) {
    w[k] = rng.chance(enable) ? rng.pick([1, 3, 9]) : 0;
  }
  if (!membership) w.confChange = 0;
  // Faults without a remedy would leave the cluster partitioned for the whole run.
  const partitions = w.isolate + w.split + w.oneWay;
  w.heal = partitions > 0 ? Math.max(w.heal, Math.ceil(partitions / 2)) : 0;
  return w;
}

/** Disables every fault kind: the run exercises only its scenario's nemesis. */
function quiet(w: Record<FaultKind, number>): void {
  for (const k of faultKinds) w[k] = 0;
}

function applyScenario(rng: Prng, p: SwarmProfile): void {
  switch (p.scenario) {
    case "mixed":
    case "sparse":
      return;
    case "leader-churn":
      // The logs of figure 7: several leaders in a row append and crash before their tails
      // are replicated, and come back fast enough to compete in the next elections.
      p.strikeOnWin = rng.pick([0.5, 0.8, 1]);
      p.strikeOnAppend = rng.pick([0.05, 0.2]);
      p.strikeOnCommit = rng.pick([0.3, 0.6]);
      p.strikeDelayMaxMs = rng.pick([2, 5, 10]);
      p.strikeActions = rng.pick<StrikeAction[]>([["crash"], ["crash", "isolate"]]);
      p.restartDelayMs = rng.pick<[number, number]>([
        [0.5, 10],
        [5, 60],
      ]);
      return;
    case "vote-races":
      // Two candidates in one term, and a voter that grants one of them, crashes before the
      // grant is durable, comes straight back and hears the other (late or duplicated).
      // Nearly every leader crashes soon after winning, so that elections keep coming (an
      // election storm); three voters, so that one voter decides both elections; a latency
      // spread of a few ticks, so that the second candidate's request is still on its way
      // when the voter is back.
      quiet(p.weights);
      p.voters = rng.chance(0.8) ? 3 : 5;
      p.spares = 0;
      p.preVote = rng.chance(0.1);
      p.electionTicks = rng.pick([3, 4, 5]);
      p.heartbeatTicks = 1;
      p.tickSkew = rng.pick([0, 0.02]);
      p.crashBeforeVoteFsync = rng.pick([0.7, 1]);
      p.restartDelayMs = [0.1, rng.pick([1, 2, 5])];
      p.strikeOnWin = rng.pick([0.8, 1, 1]);
      p.strikeOnAppend = 0;
      p.strikeOnCommit = 0;
      p.strikeDelayMaxMs = rng.pick([10, 30, 60]);
      p.strikeActions = ["crash"];
      p.storm.latencyMaxMs = rng.pick([15, 20, 30]);
      p.storm.duplicateRate = rng.pick([0, 0, 0.1]);
      p.storm.lossRate = 0;
      p.stormAtStart = true;
      p.healOnNewLeader = false;
      return;
    case "leader-isolation":
      // Figure 8: the leader is cut off (messages in flight are lost with it) right after it
      // wins, appends or commits, keeping a tail nobody else has while a new leader is
      // elected; healing right after that election brings both tails together while they
      // still conflict. Small append batches make followers acknowledge a new leader's
      // older entries before its own.
      quiet(p.weights);
      p.voters = rng.chance(0.75) ? 3 : 5;
      p.strikeOnWin = rng.pick([0.3, 0.5]);
      p.strikeOnAppend = rng.pick([0.05, 0.1]);
      p.strikeOnCommit = rng.pick([0.6, 0.8, 1]);
      p.strikeDelayMaxMs = rng.pick([1, 2]);
      p.strikeActions = ["isolate"];
      p.healOnNewLeader = true;
      if (rng.chance(0.5)) p.electionTicks = rng.pick([4, 6]);
      p.heartbeatTicks = Math.min(p.heartbeatTicks, p.electionTicks >> 1);
      if (rng.chance(0.5)) {
        p.appendBytesMax = rng.between(4, 12);
        p.inflightMessagesMax = rng.between(1, 2);
      }
      return;
  }
}

function weightsText(w: Record<FaultKind, number>): string {
  const on = faultKinds.filter((k) => w[k] > 0).map((k) => `${k}x${w[k]}`);
  return on.length === 0 ? "none" : on.join(" ");
}

/** One line a person can read: what this seed exercised. */
export function describeProfile(p: SwarmProfile): string {
  const s = p.storm;
  const parts = [
    `scenario ${p.scenario}`,
    `faults ${weightsText(p.weights)} every <=${p.chaosGapMaxMs}ms`,
    `crash aim writing/leader/any ${p.crashAim.join("/")}, restart after ${p.restartDelayMs[0]}-${p.restartDelayMs[1]}ms`,
    `storm${p.stormAtStart ? " (from start)" : ""} loss ${s.lossRate.toFixed(2)} dup ${s.duplicateRate.toFixed(2)} latency<=${s.latencyMaxMs}ms spikes ${s.spikeRate.toFixed(2)}/${s.latencySpikeMs}ms`,
    `slow disks <=${p.diskSlowMsMax}ms`,
    `leader strikes win ${p.strikeOnWin} append ${p.strikeOnAppend} commit ${p.strikeOnCommit} within ${p.strikeDelayMaxMs}ms (${p.strikeActions.join("/")})`,
    `crash before fsync vote ${p.crashBeforeVoteFsync} append ${p.crashBeforeAppendFsync}`,
    `heal on new leader ${p.healOnNewLeader}`,
    `snapshots every ${p.snapCount} entries`,
    `ticks election ${p.electionTicks} heartbeat ${p.heartbeatTicks} skew ${p.tickSkew}`,
    `proposals every ${p.proposalGapMs[0]}-${p.proposalGapMs[1]}ms`,
    `length x${p.lengthFactor}`,
  ];
  return parts.join("; ");
}
