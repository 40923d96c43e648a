// What a member tells its operators about the replication it takes part in: its role and
// term, how far its log is committed and applied, who leads, and each member of the ensemble
// with its lag and last contact. The admin layer (HTTP commands, metrics, readiness, the
// dashboard) reads only this interface, so a standalone member implements it today and an
// ensemble member implements it the same way once it exists: nothing in src/admin changes.
import type { RaftStatus } from "../raft/node.js";
import { Role, roleNames } from "../raft/types.js";
import type { RaftLog } from "./raft-log.js";

export type MemberRole =
  | "standalone"
  | "leader"
  | "follower"
  | "candidate"
  | "pre-candidate"
  | "observer"
  | "read-only";

export interface PeerStatus {
  id: number;
  /** host:port of the member's peer address, or "" where it has none (standalone). */
  address: string;
  /** "participant" votes, "observer" only replicates. */
  kind: "participant" | "observer";
  /** The highest log index known to be on that member (the leader's match index). */
  matchIndex: number;
  /** Entries it is behind this member's last index; 0 for the member itself. */
  lagEntries: number;
  /** Milliseconds since this member last heard from it; 0 for itself, null if never. */
  lastContactAgoMs: number | null;
  /** The last measured round trip to it (heartbeat to answer), null if none or itself. */
  roundTripMs: number | null;
}

export interface MemberStatus {
  id: number;
  role: MemberRole;
  term: number;
  /** Id of the member this one believes leads, 0 if it knows none. */
  leaderId: number;
  commitIndex: number;
  appliedIndex: number;
  lastIndex: number;
  /** Every member of the current configuration, this one included. */
  members: PeerStatus[];
}

export interface MemberStatusSource {
  memberStatus(): MemberStatus;
}

/**
 * The status of a standalone member: a single-voter Raft group, so it leads once elected,
 * its only member is itself and nothing lags behind it.
 */
export class StandaloneStatusSource implements MemberStatusSource {
  constructor(
    private readonly raftLog: RaftLog,
    private readonly readOnly: () => boolean,
  ) {}

  memberStatus(): MemberStatus {
    const s = this.raftLog.node.status();
    const role: MemberRole = this.readOnly()
      ? "read-only"
      : s.role === Role.leader
        ? "standalone"
        : (roleNames[s.role] as MemberRole);
    return statusOf(s, role, [
      {
        id: s.id,
        address: "",
        kind: "participant",
        matchIndex: s.lastIndex,
        lagEntries: 0,
        lastContactAgoMs: 0,
        roundTripMs: null,
      },
    ]);
  }
}

/**
 * The status of an ensemble member, from its Raft group: its role, and for every member of
 * the configuration how far its log is known to match. Only the leader tracks the others'
 * progress; a follower reports itself and the leader, the rest as unknown (matchIndex 0,
 * no contact figure), since it does not measure them. Round trips are not measured yet, so
 * they are reported as null rather than guessed.
 */
export class EnsembleStatusSource implements MemberStatusSource {
  constructor(
    private readonly raftLog: RaftLog,
    private readonly addresses: ReadonlyMap<number, string>,
    private readonly observers: ReadonlySet<number>,
    private readonly readOnly: () => boolean,
  ) {}

  memberStatus(): MemberStatus {
    const node = this.raftLog.node;
    const s = node.status();
    const role: MemberRole = this.readOnly()
      ? "read-only"
      : s.role === Role.follower && this.observers.has(s.id)
        ? "observer"
        : (roleNames[s.role] as MemberRole);
    const progress = new Map(node.peers().map((p) => [p.id, p]));
    const members: PeerStatus[] = [];
    for (const id of [...s.conf.voters, ...s.conf.learners].sort((a, b) => a - b)) {
      const p = progress.get(id);
      const match = id === s.id ? s.lastIndex : (p?.match ?? 0);
      members.push({
        id,
        address: this.addresses.get(id) ?? "",
        kind: s.conf.learners.includes(id) ? "observer" : "participant",
        matchIndex: match,
        lagEntries: id === s.id || p === undefined ? 0 : Math.max(0, s.lastIndex - match),
        lastContactAgoMs: id === s.id ? 0 : null,
        roundTripMs: null,
      });
    }
    return statusOf(s, role, members);
  }
}

function statusOf(s: RaftStatus, role: MemberRole, members: PeerStatus[]): MemberStatus {
  return {
    id: s.id,
    role,
    term: s.term,
    leaderId: s.lead,
    commitIndex: s.commit,
    appliedIndex: s.applied,
    lastIndex: s.lastIndex,
    members,
  };
}
