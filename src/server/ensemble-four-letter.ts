// The lines of ZooKeeper's four-letter words that describe a member's place in its ensemble,
// as the real ZooKeeper 3.8.0 prints them on a three-member ensemble (captured from the
// Debian package with test/support/real-zookeeper-ensemble.ts; docs/ensemble.md shows them):
//
// - srvr and stat: on the leader only, a last line "Proposal sizes last/min/max: l/mi/ma"
//   (bytes; -1 until the first proposal of this leadership).
// - mntr, every ensemble member: zk_peer_state right after zk_server_state ("leading -
//   broadcast", "following - broadcast"), and zk_quorum_size (the voters).
// - mntr, the leader only: zk_min_proposal_size, zk_max_proposal_size, zk_synced_followers,
//   zk_synced_non_voting_followers, zk_synced_observers, zk_last_proposal_size,
//   zk_pending_syncs, zk_leader_uptime and zk_learners. ZooKeeper 3.8 has no zk_followers
//   line: it names the learners it talks to zk_learners.
// - conf: serverId, initLimit, syncLimit, electionAlg, electionPort, quorumPort, peerType, then
//   "membership: " and one server.N line per member and the membership version.
//
// ZooKeeper prints mntr in the order of its metric map, which interleaves these lines with
// the server-wide ones; `placeEnsembleLines` puts each after the line it follows in 3.8's
// output (falling back to an earlier one where that line is absent), so with the server-wide
// lines in 3.8's order (four-letter-words.ts) the whole of mntr is in 3.8's order.
import type { BufferStats } from "./buffer-stats.js";
import type { ServerConfig } from "./config.js";
import type { EnsembleStatus } from "./member.js";
import { currentMembership, membershipText } from "./membership-view.js";

/**
 * A follower counts as synced when the leader heard from it within the last one or two
 * check-quorum rounds and its log matches the leader's to within this many entries. ZooKeeper
 * asks only for an acknowledgement within syncLimit ticks; Corral also asks that the follower
 * is not catching up, so that a member still receiving a long backlog is not reported synced.
 * A thousand entries is a fraction of a second of writes at full load.
 */
export const syncedLagEntriesMax = 1000;

/** What the leader reports about the members it replicates to. */
export interface LearnerCounts {
  /** Members in contact, voters and observers alike (zk_learners). */
  learners: number;
  syncedFollowers: number;
  /** Learners that are participants still joining (listed nowhere as observers). */
  syncedNonVotingFollowers: number;
  syncedObservers: number;
}

/** `observers`: the members the membership lists as observers (membership-view.ts). */
export function learnerCounts(
  status: EnsembleStatus,
  observers: ReadonlySet<number>,
): LearnerCounts {
  let learners = 0;
  let syncedFollowers = 0;
  let syncedNonVotingFollowers = 0;
  let syncedObservers = 0;
  for (const p of status.peers) {
    if (!p.inContact) continue;
    learners++;
    // A match of 0 means this leader has not heard an acknowledgement from it yet.
    if (p.match === 0 || status.lastIndex - p.match > syncedLagEntriesMax) continue;
    if (p.voter) syncedFollowers++;
    else if (observers.has(p.id)) syncedObservers++;
    else syncedNonVotingFollowers++;
  }
  return { learners, syncedFollowers, syncedNonVotingFollowers, syncedObservers };
}

/**
 * ZooKeeper's detailed peer state: the server state and the Zab phase. Corral has no separate
 * discovery and synchronisation phases (a Raft follower takes entries as soon as it knows its
 * leader), so a member with a leader is broadcasting and one without is in election.
 */
export function peerState(mode: string, status: EnsembleStatus): string {
  if (status.leader === 0) return "looking - election";
  if (mode === "leader") return "leading - broadcast";
  if (mode === "observer") return "observing - broadcast";
  return "following - broadcast";
}

/** srvr/stat's last line on a leader, or "" on any other member. */
export function proposalSizesLine(mode: string, sizes: BufferStats | null): string {
  if (mode !== "leader" || sizes === null) return "";
  return `Proposal sizes last/min/max: ${sizes.last}/${sizes.min}/${sizes.max}\n`;
}

export interface EnsembleMntrInput {
  mode: string;
  status: EnsembleStatus;
  sizes: BufferStats | null;
  pendingSyncs: number;
  monotonicMs: number;
  /** The members the membership lists as observers (membership-view.ts). */
  observers: ReadonlySet<number>;
}

type MntrLine = [string, string | number];

/** Each ensemble line and the server-wide lines it may follow, the preferred one first. */
const placements: ReadonlyMap<string, readonly string[]> = new Map([
  ["zk_peer_state", ["zk_server_state"]],
  ["zk_min_proposal_size", ["zk_avg_latency"]],
  ["zk_max_proposal_size", ["zk_packets_received"]],
  ["zk_synced_followers", ["zk_max_client_response_size", "zk_max_proposal_size"]],
  ["zk_synced_non_voting_followers", ["zk_watch_count"]],
  ["zk_synced_observers", ["zk_synced_non_voting_followers"]],
  // The descriptor lines are absent where the process cannot count its descriptors.
  ["zk_last_proposal_size", ["zk_open_file_descriptor_count", "zk_approximate_data_size"]],
  ["zk_pending_syncs", ["zk_last_proposal_size"]],
  ["zk_leader_uptime", ["zk_pending_syncs"]],
  ["zk_learners", ["zk_max_latency", "zk_uptime"]],
  ["zk_quorum_size", ["zk_min_client_response_size", "zk_learners", "zk_uptime"]],
]);

/** The ensemble lines this member's role prints, in ZooKeeper 3.8's relative order. */
export function ensembleMntrLines(input: EnsembleMntrInput): MntrLine[] {
  const { mode, status } = input;
  const lines: MntrLine[] = [["zk_peer_state", peerState(mode, status)]];
  if (mode === "leader") {
    const counts = learnerCounts(status, input.observers);
    const sizes = input.sizes;
    lines.push(
      ["zk_min_proposal_size", sizes?.min ?? -1],
      ["zk_max_proposal_size", sizes?.max ?? -1],
      ["zk_synced_followers", counts.syncedFollowers],
      // Participants outside the voting view: joiners a reconfiguration is catching up.
      ["zk_synced_non_voting_followers", counts.syncedNonVotingFollowers],
      ["zk_synced_observers", counts.syncedObservers],
      ["zk_last_proposal_size", sizes?.last ?? -1],
      ["zk_pending_syncs", input.pendingSyncs],
      [
        "zk_leader_uptime",
        status.leadingSinceMs < 0 ? 0 : Math.round(input.monotonicMs - status.leadingSinceMs),
      ],
      ["zk_learners", counts.learners],
    );
  }
  lines.push(["zk_quorum_size", status.voters.length]);
  return lines;
}

/**
 * Inserts `extra` into `lines` (mntr's server-wide lines), each after the first of its
 * anchors that is present, or at the end. `extra` comes in 3.8's relative order, so an
 * anchor that is itself an ensemble line is placed before it is needed.
 */
export function placeEnsembleLines(lines: MntrLine[], extra: readonly MntrLine[]): void {
  for (const line of extra) {
    const anchors = placements.get(line[0]) ?? [];
    let at = -1;
    for (const anchor of anchors) {
      at = lines.findIndex((l) => l[0] === anchor);
      if (at >= 0) break;
    }
    lines.splice(at < 0 ? lines.length : at + 1, 0, line);
  }
}

/**
 * conf's lines after clientPortListenBacklog on an ensemble member, in ZooKeeper 3.8's order.
 * electionAlg is always 3 in ZooKeeper 3.8 (its only algorithm); Corral elects by Raft but
 * prints the same value, so scripts that read it see what they expect. The membership comes
 * from membership-view.ts, the one place its text is made.
 */
export function ensembleConfLines(
  config: ServerConfig,
  status: EnsembleStatus,
  configText: string | null,
): string {
  const me = config.servers.find((s) => s.id === status.self);
  return (
    `serverId=${status.self}\ninitLimit=${config.initLimit}\nsyncLimit=${config.syncLimit}\n` +
    `electionAlg=3\nelectionPort=${me?.electionPort ?? -1}\nquorumPort=${me?.peerPort ?? -1}\n` +
    `peerType=${status.learners.includes(status.self) ? 1 : 0}\nmembership: \n` +
    membershipText(currentMembership(config, status, configText))
  );
}
