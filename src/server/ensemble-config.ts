// Who this member is in its ensemble, from ZooKeeper's own configuration: the `server.N`
// lines of zoo.cfg and the `myid` file in dataDir (zookeeperAdmin.md, "Clustered
// (Multi-Server) Setup"). Pure apart from hashing: the cli reads the files.
//
// The ensemble id names the ensemble on every peer link (the transport's handshake refuses a
// member of another ensemble) and in the data directory (a member refuses to start on data
// of another ensemble). It is derived from the initial membership (ids, peer addresses and
// roles), so every member computes the same id from the same server.N lines without talking
// to the others; the data directory keeps the id it first started with.
import { createHash } from "node:crypto";
import type { ConfState } from "../raft/types.js";
import { ConfigError, type ServerConfig, type ServerSpec } from "./config.js";

export interface EnsembleIdentity {
  self: number;
  ensembleId: string;
  /** Participants vote; observers are Raft learners. */
  conf: ConfState;
  /** Every member's peer address, this member's own included (where it listens). */
  peers: Map<number, { host: string; port: number }>;
  /** Where this member serves clients. */
  clientHost: string;
  clientPort: number;
}

/** True when the configuration describes an ensemble rather than a standalone server. */
export function isEnsemble(config: ServerConfig): boolean {
  // ZooKeeper runs a single server.N line standalone unless standaloneEnabled=false.
  return config.servers.length > 1 || (config.servers.length === 1 && !config.standaloneEnabled);
}

/** Parses the myid file's text as ZooKeeper does: one integer, surrounding blanks ignored. */
export function parseMyId(text: string): number {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) throw new ConfigError(`myid: expected a server id, got "${trimmed}"`);
  return Number(trimmed);
}

export function ensembleId(servers: readonly ServerSpec[]): string {
  const canonical = [...servers]
    .sort((a, b) => a.id - b.id)
    .map((s) => `${s.id}=${s.host}:${s.peerPort}:${s.role}`)
    .join("\n");
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

export function ensembleIdentity(config: ServerConfig, myId: number): EnsembleIdentity {
  const me = config.servers.find((s) => s.id === myId);
  if (me === undefined) {
    throw new ConfigError(
      `myid is ${myId}, but zoo.cfg has no server.${myId} line (servers: ${config.servers
        .map((s) => s.id)
        .join(", ")})`,
    );
  }
  if (myId === 0) throw new ConfigError("server id 0 is reserved; use 1..255");
  const voters = config.servers.filter((s) => s.role === "participant").map((s) => s.id);
  const learners = config.servers.filter((s) => s.role === "observer").map((s) => s.id);
  if (voters.length === 0) throw new ConfigError("an ensemble needs at least one participant");
  const peers = new Map<number, { host: string; port: number }>();
  for (const s of config.servers) peers.set(s.id, { host: s.host, port: s.peerPort });
  // ZooKeeper 3.5+: the client address on the server line wins over clientPort.
  const clientPort = me.clientPort ?? config.clientPort;
  return {
    self: myId,
    ensembleId: config.ensembleId ?? ensembleId(config.servers),
    conf: { voters, learners },
    peers,
    clientHost: me.clientHost ?? config.clientPortAddress,
    clientPort,
  };
}

/**
 * ZooKeeper's rule for peerType (QuorumPeerConfig): the member's own server.N line decides
 * whether it observes; a peerType key that says otherwise is overruled with a warning. Returns
 * that warning, or null when peerType is unset or agrees.
 */
export function peerTypeMismatch(config: ServerConfig, myId: number): string | null {
  const me = config.servers.find((s) => s.id === myId);
  if (config.peerType === null || me === undefined || me.role === config.peerType) return null;
  const role = me.role === "observer" ? "an observer" : "a participant";
  return `peerType=${config.peerType} disagrees with server.${myId}, which makes this member ${role}; the server.${myId} line wins, as in ZooKeeper`;
}

/**
 * The text of the identity file a member keeps in its data directory. `dynamic` marks a
 * member whose membership changed since (a reconfiguration, or it joined a running
 * ensemble): from then on the file, not the server lines, names its ensemble.
 */
export function identityFileText(identity: EnsembleIdentity, dynamic = false): string {
  return `ensemble=${identity.ensembleId}\nmember=${identity.self}\n${dynamic ? "membership=dynamic\n" : ""}`;
}

/**
 * The ensemble id the identity file makes authoritative, or null when the server lines
 * decide: once the membership is dynamic, server lines derive another id than the one the
 * ensemble was founded with, so the file's id is used (an explicit `ensembleId=` must still
 * match it: identityMismatch checks).
 */
export function dynamicEnsembleId(fileText: string, config: ServerConfig): string | null {
  const fields = parseIdentityFile(fileText);
  if (fields.get("membership") !== "dynamic" || config.ensembleId !== null) return null;
  return fields.get("ensemble") ?? null;
}

/**
 * Checks the identity file found in the data directory against this configuration; returns
 * why the data belongs elsewhere, or null when it is ours.
 */
export function identityMismatch(fileText: string, identity: EnsembleIdentity): string | null {
  const fields = parseIdentityFile(fileText);
  const ensemble = fields.get("ensemble");
  const member = fields.get("member");
  if (ensemble !== identity.ensembleId) {
    return `the data directory belongs to ensemble ${ensemble ?? "(none)"}, but the server.N lines make ensemble ${identity.ensembleId}`;
  }
  if (member !== String(identity.self)) {
    return `the data directory belongs to member ${member ?? "(none)"}, but myid is ${identity.self}`;
  }
  return null;
}

/** The `key=value` lines of an identity file (`corral recover` adds lines of its own). */
export function parseIdentityFile(fileText: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of fileText.split(/\r?\n/)) {
    const at = line.indexOf("=");
    if (at > 0) fields.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return fields;
}
