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
  let servers: readonly ServerSpec[] = config.servers;
  let version = 0;
  if (configText !== null && configText !== "") {
    try {
      const parsed = parseDynamicConfig(configText);
      servers = parsed.servers;
      version = parsed.version;
    } catch {
      // A text this member wrote itself does not fail to parse; zoo.cfg's lines still serve.
    }
  }
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

/** The server.N lines and the version line, each ending in a newline. */
export function membershipText(view: MembershipView): string {
  let out = "";
  for (const s of view.members) out += `server.${s.id}=${serverLineValue(s)}\n`;
  return `${out}version=${view.version.toString(16)}\n`;
}
