// ACL checks, the ACL fix-up of create/setACL, digest masking for getACL, and the table that
// interns ACL lists (zookeeper-protocol.md §12). The tree compares ids only: the server layer
// turns `addauth digest user:password` into `digest:user:<base64 sha1>` with node:crypto, adds
// `ip:<address>` to every connection and `super:` for the super digest.

import { Perm } from "../protocol/constants.js";
import type { ACL, Id } from "../protocol/records.js";

export const worldAnyone: Readonly<Id> = Object.freeze({ scheme: "world", id: "anyone" });

/** The super identity: it passes every ACL check (the super user's, and skipACL's). */
export const superId: Readonly<Id> = Object.freeze({ scheme: "super", id: "" });

/**
 * Schemes whose ids match an ACL id only when equal: `sasl:<user>` (SASLAuthenticationProvider)
 * and `x509:<certificate subject>` (X509AuthenticationProvider). Both are "authenticated"
 * schemes, so the `auth` ACL expands to them as it does to digest ids.
 */
const exactMatchSchemes: ReadonlySet<string> = new Set(["sasl", "x509"]);

const noExtraSchemes: ReadonlySet<string> = new Set();

/** True when a connection holding `ids` may do `perm` on a node whose ACL is `acl`. */
export function hasPermission(acl: readonly ACL[], perm: number, ids: readonly Id[]): boolean {
  if (acl.length === 0) return true;
  for (let i = 0; i < ids.length; i++) if (ids[i].scheme === "super") return true;
  for (let a = 0; a < acl.length; a++) {
    const entry = acl[a];
    if ((entry.perms & perm) === 0) continue;
    const scheme = entry.id.scheme;
    if (scheme === "world") {
      if (entry.id.id === "anyone") return true;
      continue;
    }
    if (scheme !== "digest" && scheme !== "ip" && !exactMatchSchemes.has(scheme)) continue;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id.scheme !== scheme) continue;
      if (scheme === "ip" ? ipMatches(id.id, entry.id.id) : id.id === entry.id.id) return true;
    }
  }
  return false;
}

/**
 * A digest ACL id is valid when Java's `id.split(":")` (trailing empty parts dropped) gives
 * exactly two parts: "user:hash".
 */
export function isValidDigestId(id: string): boolean {
  const parts = id.split(":");
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts.length === 2;
}

/** Java's Integer.parseInt accepts an optional sign and decimal digits only. */
function parseJavaInt(text: string): number | null {
  if (!/^[+-]?\d{1,10}$/.test(text)) return null;
  const v = Number(text);
  return v >= -2147483648 && v <= 2147483647 ? v : null;
}

function ipv4Bytes(addr: string): number[] | null {
  const parts = addr.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const part of parts) {
    const v = parseJavaInt(part);
    if (v === null || v < 0 || v > 255) return null;
    out.push(v);
  }
  return out;
}

function ipv6Bytes(addr: string): number[] | null {
  const zone = addr.indexOf("%");
  const text = zone >= 0 ? addr.slice(0, zone) : addr;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === "") return [];
    const out: number[] = [];
    const pieces = s.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i];
      if (i === pieces.length - 1 && p.includes(".")) {
        const v4 = ipv4Bytes(p);
        if (v4 === null) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        out.push(Number.parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (head === null || tail === null) return null;
  let words: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return null;
    words = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    if (head.length !== 8) return null;
    words = head;
  }
  const out: number[] = [];
  for (const w of words) out.push(w >> 8, w & 0xff);
  return out;
}

function addressBytes(addr: string): number[] | null {
  return addr.includes(":") ? ipv6Bytes(addr) : ipv4Bytes(addr);
}

function maskBytes(bytes: number[], bits: number): void {
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] &= (0xff00 >> keep) & 0xff;
  }
}

/** Splits "addr/bits" as ZooKeeper's IP provider does; null when malformed. */
function parseIpExpr(expr: string): { bytes: number[]; bits: number } | null {
  const slash = expr.indexOf("/");
  const bytes = addressBytes(slash < 0 ? expr : expr.slice(0, slash));
  if (bytes === null) return null;
  let bits = bytes.length * 8;
  if (slash >= 0) {
    const v = parseJavaInt(expr.slice(slash + 1));
    if (v === null || v < 0 || v > bytes.length * 8) return null;
    bits = v;
  }
  return { bytes, bits };
}

export function isValidIpId(id: string): boolean {
  return parseIpExpr(id) !== null;
}

/** True when the connection address `addr` lies inside the ACL expression `expr`. */
export function ipMatches(addr: string, expr: string): boolean {
  const acl = parseIpExpr(expr);
  if (acl === null) return false;
  const remote = addressBytes(addr);
  if (remote === null || remote.length !== acl.bytes.length) return false;
  maskBytes(acl.bytes, acl.bits);
  maskBytes(remote, acl.bits);
  for (let i = 0; i < remote.length; i++) if (remote[i] !== acl.bytes[i]) return false;
  return true;
}

/**
 * The ACL fix-up of create and setACL: returns the list to store, or null for InvalidACL.
 * Exact duplicates go first; `auth` expands to every authenticated id of the connection
 * (digest, sasl, x509; ip and super are not "authenticated" providers). `extraSchemes` are
 * the sasl/x509 schemes whose providers are configured; others give InvalidACL.
 */
export function fixupAcl(
  acl: readonly ACL[] | null,
  ids: readonly Id[],
  extraSchemes: ReadonlySet<string> = noExtraSchemes,
): ACL[] | null {
  if (acl === null || acl.length === 0) return null;
  const unique: ACL[] = [];
  for (const a of acl) {
    if (
      !unique.some((u) => u.perms === a.perms && u.id.scheme === a.id.scheme && u.id.id === a.id.id)
    ) {
      unique.push(a);
    }
  }
  const out: ACL[] = [];
  for (const a of unique) {
    const scheme = a.id.scheme;
    if (scheme === "world" && a.id.id === "anyone") {
      out.push({ perms: a.perms, id: { scheme, id: a.id.id } });
    } else if (scheme === "auth") {
      let added = false;
      for (const id of ids) {
        if (id.scheme === "digest" || exactMatchSchemes.has(id.scheme)) {
          out.push({ perms: a.perms, id: { scheme: id.scheme, id: id.id } });
          added = true;
        }
      }
      if (!added) return null;
    } else if (scheme === "digest") {
      if (!isValidDigestId(a.id.id)) return null;
      out.push({ perms: a.perms, id: { scheme, id: a.id.id } });
    } else if (scheme === "ip") {
      if (!isValidIpId(a.id.id)) return null;
      out.push({ perms: a.perms, id: { scheme, id: a.id.id } });
    } else if (exactMatchSchemes.has(scheme) && extraSchemes.has(scheme)) {
      if (a.id.id === "") return null;
      out.push({ perms: a.perms, id: { scheme, id: a.id.id } });
    } else {
      return null;
    }
  }
  return out;
}

/** getACL for a caller without ADMIN: digest ids lose their hash ("user:x"). */
export function maskDigests(acl: readonly ACL[]): ACL[] {
  return acl.map((a) => {
    if (a.id.scheme !== "digest")
      return { perms: a.perms, id: { scheme: a.id.scheme, id: a.id.id } };
    const colon = a.id.id.indexOf(":");
    const user = colon < 0 ? a.id.id : a.id.id.slice(0, colon);
    return { perms: a.perms, id: { scheme: "digest", id: `${user}:x` } };
  });
}

export function copyAcl(acl: readonly ACL[]): ACL[] {
  return acl.map((a) => ({ perms: a.perms, id: { scheme: a.id.scheme, id: a.id.id } }));
}

export const openAclUnsafe: readonly ACL[] = Object.freeze([
  Object.freeze({ perms: Perm.all, id: worldAnyone }),
]);
export const readAclUnsafe: readonly ACL[] = Object.freeze([
  Object.freeze({ perms: Perm.read, id: worldAnyone }),
]);

/** One interned ACL list; nodes point at it, so equal lists are stored once (like ZK's cache). */
export class AclEntry {
  refs = 0;
  constructor(
    readonly key: string,
    readonly acl: readonly ACL[],
  ) {}
}

export function aclKey(acl: readonly ACL[]): string {
  let key = "";
  for (const a of acl) key += `${a.perms}\u0000${a.id.scheme}\u0000${a.id.id}\u0001`;
  return key;
}

/** Interns ACL lists with reference counts; a list disappears when no node uses it. */
export class AclTable {
  private readonly byKey = new Map<string, AclEntry>();

  get size(): number {
    return this.byKey.size;
  }

  /** Returns the shared entry for `acl` and counts one more user of it. */
  acquire(acl: readonly ACL[]): AclEntry {
    const key = aclKey(acl);
    let entry = this.byKey.get(key);
    if (entry === undefined) {
      const frozen = Object.freeze(
        acl.map((a) =>
          Object.freeze({
            perms: a.perms,
            id: Object.freeze({ scheme: a.id.scheme, id: a.id.id }),
          }),
        ),
      );
      entry = new AclEntry(key, frozen);
      this.byKey.set(key, entry);
    }
    entry.refs++;
    return entry;
  }

  /** Counts one more user of an entry already in the table. */
  retain(entry: AclEntry): AclEntry {
    entry.refs++;
    return entry;
  }

  release(entry: AclEntry): void {
    entry.refs--;
    if (entry.refs === 0) this.byKey.delete(entry.key);
  }

  entries(): IterableIterator<AclEntry> {
    return this.byKey.values();
  }
}
