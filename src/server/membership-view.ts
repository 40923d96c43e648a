// The ensemble's membership as ZooKeeper prints it: one `server.N=` line per member with its
// role and (when its server.N line gave one) its client address, then `version=` and the
// membership's version in hexadecimal (the zxid of the reconfiguration that made it; 0 for the
// static membership of zoo.cfg). conf prints this text after "membership: ", the admin port's
// voting_view prints the voters' lines, and /zookeeper/config holds the same text, so all of
// them come from here.
//
// `currentMembership` builds the view from the roles in the member's Raft configuration
// (voters and learners) and the addresses of /zookeeper/config (after a reconfiguration, the
// membership it made) or, without that text, zoo.cfg's server lines.
import type { ServerConfig, ServerSpec } from "./config.js";
import { parseDynamicConfig } from "./dynamic-config.js";

export interface MembershipView {
  /** Every member, in id order, with its role in this membership. */
  readonly members: readonly ServerSpec[];
  /** The zxid of the reconfiguration that made this membership; 0 for the static one. */
  readonly version: number;
}

/**
 * The membership of the member's Raft configuration, with the addresses and version of
 * /zookeeper/config's text when the member has one (an ensemble, once its first entry or a
 * reconfiguration set it) and zoo.cfg's server lines otherwise (version 0).
 */
export function currentMembership(
  config: ServerConfig,
  conf: { readonly voters: readonly number[]; readonly learners: readonly number[] },
  configText: string | null = null,
): MembershipView {
  const { servers, version } = listedMembership(config, configText);
  const members: ServerSpec[] = [];
  for (const s of servers) {
    // A member's role is the one it has now; a server line Raft does not know is left out.
    const role = conf.learners.includes(s.id)
      ? "observer"
      : conf.voters.includes(s.id)
        ? "participant"
        : null;
    if (role !== null) members.push(role === s.role ? s : { ...s, role });
  }
  return { members, version };
}

/**
 * A member as ZooKeeper's QuorumServer prints itself: `host:peerPort:electionPort:role`, and
 * `;clientHost:clientPort` only when its server.N line gave a client address (a bare port
 * listens on every address, 0.0.0.0).
 */
export function serverLineValue(s: ServerSpec): string {
  const client = s.clientPort === null ? "" : `;${s.clientHost ?? "0.0.0.0"}:${s.clientPort}`;
  return `${s.host}:${s.peerPort}:${s.electionPort}:${s.role}${client}`;
}

/**
 * The server lines that describe the membership, with their version: /zookeeper/config's when
 * the member has that text, zoo.cfg's (version 0) otherwise.
 */
function listedMembership(
  config: ServerConfig,
  configText: string | null,
): { servers: readonly ServerSpec[]; version: number } {
  if (configText !== null && configText !== "") {
    try {
      return parseDynamicConfig(configText);
    } catch {
      // A text this member wrote itself does not fail to parse; zoo.cfg's lines still serve.
    }
  }
  return { servers: config.servers, version: 0 };
}

/**
 * The members the membership lists as observers. A Raft learner not among them is a
 * participant still catching up before a reconfiguration promotes it: ZooKeeper's
 * non-voting follower.
 */
export function listedObservers(config: ServerConfig, configText: string | null): Set<number> {
  const ids = new Set<number>();
  for (const s of listedMembership(config, configText).servers) {
    if (s.role === "observer") ids.add(s.id);
  }
  return ids;
}

/** The server.N lines and the version line, each ending in a newline. */
export function membershipText(view: MembershipView): string {
  let out = "";
  for (const s of view.members) out += `server.${s.id}=${serverLineValue(s)}\n`;
  return `${out}version=${view.version.toString(16)}\n`;
}
