// Parsing of ZooKeeper connect strings: "host1:port1,host2:port2/optional/chroot".
// Rules follow the Java client (ConnectStringParser, PathUtils): hosts are comma separated,
// a missing port means 2181, IPv6 literals go in brackets ("[::1]:2181"), and everything from
// the first "/" is the chroot, which must be a valid path; a chroot of "/" means none.
// Shuffling the host list (as the Java client's StaticHostProvider does) spreads the clients
// of one connect string over the ensemble instead of piling them onto its first member.

import { BadArgumentsError } from "./errors.js";
import { validatePath } from "./paths.js";

export const defaultPort = 2181;

export interface HostAddress {
  host: string;
  port: number;
}

export interface ConnectString {
  hosts: HostAddress[];
  /** The chroot without a trailing slash, or "" for none. */
  chroot: string;
}

export function parseConnectString(text: string): ConnectString {
  let hostPart = text.trim();
  let chroot = "";
  const slash = hostPart.indexOf("/");
  if (slash >= 0) {
    chroot = hostPart.slice(slash);
    hostPart = hostPart.slice(0, slash);
    validatePath(chroot);
    if (chroot === "/") chroot = "";
  }
  const hosts: HostAddress[] = [];
  for (const raw of hostPart.split(",")) {
    const item = raw.trim();
    if (item === "") continue;
    hosts.push(parseHost(item));
  }
  if (hosts.length === 0) {
    throw new BadArgumentsError(undefined, `connect string has no host: "${text}"`);
  }
  return { hosts, chroot };
}

function parseHost(item: string): HostAddress {
  let host: string;
  let portText: string | undefined;
  if (item.startsWith("[")) {
    const close = item.indexOf("]");
    if (close < 0) throw new BadArgumentsError(undefined, `unclosed IPv6 literal in "${item}"`);
    host = item.slice(1, close);
    const rest = item.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) {
        throw new BadArgumentsError(undefined, `unexpected text after "]" in "${item}"`);
      }
      portText = rest.slice(1);
    }
  } else {
    const colon = item.lastIndexOf(":");
    if (colon >= 0 && item.indexOf(":") === colon) {
      host = item.slice(0, colon);
      portText = item.slice(colon + 1);
    } else if (colon >= 0) {
      // Several colons without brackets: a bare IPv6 address, no port.
      host = item;
    } else {
      host = item;
    }
  }
  if (host === "") throw new BadArgumentsError(undefined, `empty host in "${item}"`);
  let port = defaultPort;
  if (portText !== undefined) {
    if (!/^\d+$/.test(portText)) throw new BadArgumentsError(undefined, `bad port in "${item}"`);
    port = Number(portText);
    if (port < 1 || port > 65535) {
      throw new BadArgumentsError(undefined, `port out of range in "${item}"`);
    }
  }
  return { host, port };
}

/** Fisher-Yates shuffle of a copy; `random` returns a float in [0, 1). */
export function shuffleHosts(hosts: readonly HostAddress[], random: () => number): HostAddress[] {
  const out = hosts.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/** "host:port", with brackets around IPv6 literals, as logs and the shell print it. */
export function formatHost(address: HostAddress): string {
  return address.host.includes(":")
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}
