// ZooKeeper's dynamic configuration as text, and the membership a reconfig request asks for.
//
// The text is what /zookeeper/config holds, what `zoo.cfg.dynamic.<version>` files contain and
// what `conf` prints after `membership:`: one line per member,
//
//     server.N=host:peerPort:electionPort:role[;clientHost:clientPort]
//
// in id order, then (in /zookeeper/config only) `version=<hex zxid>` of the reconfig that made
// it, 0 for the initial membership. Pure: parsing and formatting only; the cli reads and
// writes the files, server/reconfig-leader.ts decides.
import { ErrorCode } from "../protocol/constants.js";
import type { ReconfigRequest } from "../protocol/records.js";
import { parseServerSpec, type ServerSpec } from "./config.js";

// Parsing the text is shared with the client (protocol/membership-text.ts); the server's
// modules keep importing it from here.
export { type DynamicConfig, parseDynamicConfig } from "../protocol/membership-text.js";

/** One member's line, as ZooKeeper prints it (a client address only when one is known). */
export function serverLine(s: ServerSpec): string {
  const client = s.clientPort === null ? "" : `;${s.clientHost ?? "0.0.0.0"}:${s.clientPort}`;
  return `server.${s.id}=${s.host}:${s.peerPort}:${s.electionPort}:${s.role}${client}`;
}

/** Every member's line in id order, joined by newlines (no version line). */
export function serverLines(servers: readonly ServerSpec[]): string {
  return [...servers]
    .sort((a, b) => a.id - b.id)
    .map(serverLine)
    .join("\n");
}

/** /zookeeper/config's text for a membership made at `version` (a zxid). */
export function configText(servers: readonly ServerSpec[], version: number): string {
  const lines = serverLines(servers);
  const v = `version=${version.toString(16)}`;
  return lines === "" ? v : `${lines}\n${v}`;
}

export type NextMembership =
  | { ok: true; servers: ServerSpec[] }
  | { ok: false; err: number; reason: string };

function refused(err: number, reason: string): NextMembership {
  return { ok: false, err, reason };
}

/**
 * `server.N=spec` of a joiner or of the non-incremental form; ZooKeeper asks for all three
 * ports (peer, election, client) on a joiner. Returns the spec or why it is refused (a
 * non-numeric N is MarshallingError, as ZooKeeper's unchecked number parse makes it).
 */
function parseJoiner(text: string, needClient: boolean): ServerSpec | NextMembership {
  const parts = text.split("=");
  if (parts.length !== 2) return refused(ErrorCode.badArguments, "wrong format of server string");
  const dot = parts[0].lastIndexOf(".");
  const idText = parts[0].slice(dot + 1).trim();
  if (!/^\d+$/.test(idText)) return refused(ErrorCode.marshallingError, `bad server id ${idText}`);
  const id = Number(idText);
  if (id < 1 || id > 255) return refused(ErrorCode.badArguments, `server id ${id} out of range`);
  let spec: ServerSpec;
  try {
    spec = parseServerSpec(id, parts[1].trim());
  } catch (err) {
    return refused(ErrorCode.badArguments, err instanceof Error ? err.message : String(err));
  }
  if (needClient && spec.clientPort === null) {
    return refused(ErrorCode.badArguments, "each server needs peer, election and client ports");
  }
  return spec;
}

function sameAddress(a: ServerSpec, b: ServerSpec): boolean {
  return (
    (a.host === b.host && (a.peerPort === b.peerPort || a.electionPort === b.electionPort)) ||
    (a.host === b.host && a.peerPort === b.electionPort)
  );
}

/**
 * The membership a reconfig request asks for, from the current one, with ZooKeeper 3.8's
 * checks on the request itself (PrepRequestProcessor, in its order): the non-incremental
 * form with the incremental one is BadArguments, a leaving id that is not a number is
 * MarshallingError, a malformed joiner or one whose address another member uses is
 * BadArguments; leaving ids that are not members are ignored. The new membership needs at
 * least two participants while `standaloneEnabled` (ZooKeeper's rule), one otherwise.
 */
export function nextMembership(
  current: readonly ServerSpec[],
  request: ReconfigRequest,
  standaloneEnabled: boolean,
): NextMembership {
  let next: ServerSpec[];
  if (request.newMembers !== null) {
    if (request.joiningServers !== null || request.leavingServers !== null) {
      return refused(ErrorCode.badArguments, "new members with joining or leaving servers");
    }
    next = [];
    // ZooKeeper accepts the members separated by commas or newlines.
    for (const item of request.newMembers.split(/[,\n]/)) {
      if (item.trim() === "") continue;
      const spec = parseJoiner(item.trim(), false);
      if ("ok" in spec) return spec;
      if (next.some((s) => s.id === spec.id)) {
        return refused(ErrorCode.badArguments, `server.${spec.id} appears twice`);
      }
      next.push(spec);
    }
  } else {
    const byId = new Map(current.map((s) => [s.id, s] as const));
    for (const item of (request.leavingServers ?? "").split(",")) {
      const t = item.trim();
      if (t === "") continue;
      if (!/^-?\d+$/.test(t)) return refused(ErrorCode.marshallingError, `bad server id ${t}`);
      byId.delete(Number(t));
    }
    for (const item of (request.joiningServers ?? "").split(",")) {
      if (item.trim() === "") continue;
      const spec = parseJoiner(item.trim(), true);
      if ("ok" in spec) return spec;
      for (const other of byId.values()) {
        if (other.id !== spec.id && sameAddress(other, spec)) {
          return refused(
            ErrorCode.badArguments,
            `server.${spec.id} uses server.${other.id}'s address`,
          );
        }
      }
      byId.set(spec.id, spec);
    }
    next = [...byId.values()];
  }
  next.sort((a, b) => a.id - b.id);
  const participants = next.filter((s) => s.role === "participant").length;
  if (participants < (standaloneEnabled ? 2 : 1)) {
    return refused(
      ErrorCode.badArguments,
      `the new configuration must include at least ${standaloneEnabled ? 2 : 1} participants`,
    );
  }
  return { ok: true, servers: next };
}
