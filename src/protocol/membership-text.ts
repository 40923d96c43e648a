// The text in which ZooKeeper names its members, read by both sides of the wire: a member's
// zoo.cfg and dynamic configuration files, and /zookeeper/config, which any client reads (the
// client follows membership changes through it, recipes/ensemble-tracker.ts). The lines are
// Java properties; a member is
//
//     server.N=host:peerPort:electionPort[:participant|observer][;[clientHost:]clientPort]
//
// and /zookeeper/config ends with `version=<hex zxid>` of the reconfig that made it.
// Pure: text in, plain objects out; ConfigError names the line or the server at fault.

export interface ServerSpec {
  id: number;
  host: string;
  peerPort: number;
  electionPort: number;
  role: "participant" | "observer";
  clientHost: string | null;
  clientPort: number | null;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export const portMax = 65535;

/** A decimal integer in [min, max], or ConfigError saying what was expected. */
export function configInteger(value: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(value)) throw new ConfigError(`expected an integer, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(`expected an integer in ${min}..${max}, got ${n}`);
  return n;
}

/**
 * `server.N=host:peerPort:electionPort[:participant|observer][;[clientHost:]clientPort]`
 * (zookeeperAdmin.md, "Clustered (Multi-Server) Setup" and dynamic reconfiguration).
 */
export function parseServerSpec(id: number, value: string): ServerSpec {
  const [peerPart, clientPart] = value.split(";", 2).map((s) => s.trim());
  const pieces = peerPart.split(":");
  if (pieces.length < 3 || pieces.length > 4) {
    throw new ConfigError(
      `server.${id}: expected host:peerPort:electionPort[:role], got "${value}"`,
    );
  }
  const [host, peer, election, roleText] = pieces;
  if (host === "") throw new ConfigError(`server.${id}: empty host`);
  const role = roleText === undefined ? "participant" : roleText;
  if (role !== "participant" && role !== "observer") {
    throw new ConfigError(`server.${id}: role must be participant or observer, got "${role}"`);
  }
  let clientHost: string | null = null;
  let clientPort: number | null = null;
  if (clientPart !== undefined && clientPart !== "") {
    const at = clientPart.lastIndexOf(":");
    clientHost = at >= 0 ? clientPart.slice(0, at) : null;
    clientPort = configInteger(at >= 0 ? clientPart.slice(at + 1) : clientPart, 1, portMax);
  }
  return {
    id,
    host,
    peerPort: configInteger(peer, 1, portMax),
    electionPort: configInteger(election, 1, portMax),
    role,
    clientHost,
    clientPort,
  };
}

/** Java Properties lines: `#`/`!` comments, `=`, `:` or blank separators, `\` continuations. */
export function parseProperties(text: string): { key: string; value: string; line: number }[] {
  const out: { key: string; value: string; line: number }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const startLine = i + 1;
    let logical = lines[i].replace(/^\s+/, "");
    if (logical === "" || logical.startsWith("#") || logical.startsWith("!")) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(logical) && i + 1 < lines.length) {
      logical = logical.slice(0, -1) + lines[++i].replace(/^\s+/, "");
    }
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(logical);
    const key = m ? m[1] : logical.trim();
    const value = m ? m[2].trim() : "";
    out.push({ key, value, line: startLine });
  }
  return out;
}

export interface DynamicConfig {
  servers: ServerSpec[];
  /** The `version=` line's zxid; 0 when the text has none. */
  version: number;
}

/**
 * Parses /zookeeper/config's text or a dynamic configuration file: `server.N` lines and an
 * optional `version=` line. Throws ConfigError on anything else.
 */
export function parseDynamicConfig(text: string): DynamicConfig {
  const servers: ServerSpec[] = [];
  let version = 0;
  for (const { key, value, line } of parseProperties(text)) {
    const m = /^server\.(\d+)$/.exec(key);
    if (m !== null) {
      const id = Number(m[1]);
      if (servers.some((s) => s.id === id)) {
        throw new ConfigError(`dynamic config line ${line}: server.${id} appears twice`);
      }
      servers.push(parseServerSpec(id, value));
    } else if (key === "version" && /^[0-9a-fA-F]{1,13}$/.test(value)) {
      version = Number.parseInt(value, 16);
    } else {
      throw new ConfigError(`dynamic config line ${line}: unexpected key ${key}`);
    }
  }
  servers.sort((a, b) => a.id - b.id);
  return { servers, version };
}
