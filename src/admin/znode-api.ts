// The JSON API the dashboard is built on (and scripts may use): the znode tree, sessions,
// watches and the member's live status.
//
// Reads come straight from the member's tree, between two turns of its event loop, so they
// see a consistent state; each checks the node's ACL against the requester's identity (the
// ip it comes from, plus the digest identity of an administrator's login, plus super if that
// matches the superDigest), as a client's getData or getChildren would. Children are listed
// in pages from a sorted copy of the names that is kept while the node's children do not
// change, so browsing a node with 100,000 children costs one sort, not one per page.
//
// Edits (create, setData, delete, setACL) require an administrator (admin-auth.ts) and run as
// requests of an in-process session (member-session.ts): through the log and apply() like a
// client's, with ZooKeeper's error when they fail (as `{"error", "code"}` with 4xx).
import { ErrorCode, OpCode, Perm } from "../protocol/constants.js";
import type { ACL, Id } from "../protocol/records.js";
import type { ServerConfig } from "../server/config.js";
import { digestId } from "../server/digest.js";
import type { Member } from "../server/member.js";
import { hasPermission, maskDigests, superId } from "../tree/acl.js";
import { dataBytes, NodeKind, statOf, type Znode } from "../tree/znode.js";
import type { AdminAuth, AdminPrincipal } from "./admin-auth.js";
import type { AdminRequest, AdminServer } from "./admin-server.js";
import { MemberSession } from "./member-session.js";

export interface ZnodeApiOptions {
  member: Member;
  config: ServerConfig;
  auth: AdminAuth;
}

/** Most children one page lists. */
export const childrenPageMax = 1000;
/** Most sessions one answer lists. */
export const sessionsPageMax = 1000;
/** Sorted child lists kept for paging. */
const sortedListsMax = 16;

const errorNames: ReadonlyMap<number, string> = new Map(
  Object.entries(ErrorCode).map(([name, code]) => [code as number, name]),
);

/** HTTP status for a ZooKeeper error an edit got. */
function httpStatusOf(err: number): number {
  switch (err) {
    case ErrorCode.noNode:
      return 404;
    case ErrorCode.noAuth:
      return 403;
    case ErrorCode.nodeExists:
    case ErrorCode.badVersion:
    case ErrorCode.notEmpty:
      return 409;
    case ErrorCode.badArguments:
    case ErrorCode.invalidACL:
    case ErrorCode.noChildrenForEphemerals:
      return 400;
    default:
      return 503;
  }
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

export class ZnodeApi {
  private readonly sorted = new Map<string, { key: string; names: string[] }>();

  constructor(private readonly options: ZnodeApiOptions) {}

  register(server: AdminServer): void {
    server.route("/api/znode", ["GET", "POST", "PUT", "DELETE"], (r) => this.znode(r));
    server.route("/api/children", ["GET"], (r) => this.children(r));
    server.route("/api/acl", ["PUT"], (r) => this.setAcl(r));
    server.route("/api/sessions", ["GET"], (r) => this.sessions(r));
    server.route("/api/watches", ["GET"], (r) => this.watches(r));
  }

  /** The ids a read is checked with: as a client from that address with those credentials. */
  private idsOf(request: AdminRequest, who: AdminPrincipal): Id[] {
    const ids: Id[] = [{ scheme: "ip", id: remoteAddressOf(request) }];
    if (who.credentials !== null) {
      const id = digestId(who.credentials);
      ids.push({ scheme: "digest", id });
      if (this.options.config.superDigest === id) ids.push(superId);
    }
    // skipACL unprotects every node for the admin API as for clients (server/skip-acl.ts).
    if (this.options.config.skipAcl === true) ids.push(superId);
    return ids;
  }

  private path(request: AdminRequest, value: unknown): string | null {
    if (typeof value !== "string" || !validPath(value)) {
      request.error(400, "path must be an absolute znode path such as /a/b");
      return null;
    }
    return value;
  }

  private async znode(request: AdminRequest): Promise<void> {
    if (request.method === "GET" || request.method === "HEAD") {
      this.getNode(request);
      return;
    }
    const who = this.options.auth.requireAdmin(request);
    if (who === null) return;
    if (request.method === "DELETE") {
      const path = this.path(request, request.url.searchParams.get("path"));
      if (path === null) return;
      const version = versionOf(request.url.searchParams.get("version"));
      if (version === null) {
        request.error(400, "version must be an integer (-1: any)");
        return;
      }
      await this.edit(
        request,
        who,
        (s) => s.request(OpCode.delete, { path, version }),
        () => ({
          path,
        }),
      );
      return;
    }
    const body = await request.jsonBody();
    if (body === null) return;
    const path = this.path(request, body.path);
    if (path === null) return;
    const data = dataOf(body);
    if (data === undefined) {
      request.error(400, "give data as text (data) or base64 (dataBase64), or neither");
      return;
    }
    if (request.method === "POST") {
      const acl = body.acl === undefined ? openAcl : aclOf(body.acl);
      const flags = body.sequential === true ? 2 : 0;
      if (acl === null) {
        request.error(400, "acl must be a list of {perms, scheme, id}");
        return;
      }
      await this.edit(
        request,
        who,
        (s) => s.request(OpCode.create2, { path, data, acl, flags }),
        (b) => ({ path: (b as { path: string }).path }),
        201,
      );
      return;
    }
    const version = versionOf(body.version === undefined ? "-1" : String(body.version));
    if (version === null) {
      request.error(400, "version must be an integer (-1: any)");
      return;
    }
    await this.edit(
      request,
      who,
      (s) => s.request(OpCode.setData, { path, data, version }),
      (b) => ({ path, version: (b as { stat: { version: number } }).stat.version }),
    );
  }

  private async setAcl(request: AdminRequest): Promise<void> {
    const who = this.options.auth.requireAdmin(request);
    if (who === null) return;
    const body = await request.jsonBody();
    if (body === null) return;
    const path = this.path(request, body.path);
    if (path === null) return;
    const acl = aclOf(body.acl);
    const version = versionOf(body.version === undefined ? "-1" : String(body.version));
    if (acl === null || version === null) {
      request.error(400, "acl must be a list of {perms, scheme, id}; version an integer");
      return;
    }
    await this.edit(
      request,
      who,
      (s) => s.request(OpCode.setACL, { path, acl, version }),
      (b) => ({ path, aversion: (b as { stat: { aversion: number } }).stat.aversion }),
    );
  }

  /** Runs one edit in a fresh session with the administrator's identity. */
  private async edit(
    request: AdminRequest,
    who: AdminPrincipal,
    run: (s: MemberSession) => Promise<{ err: number; body: unknown }>,
    answer: (body: unknown) => Record<string, unknown>,
    status = 200,
  ): Promise<void> {
    const m = this.options.member;
    if (m.readOnly) {
      request.error(
        503,
        m.storageFailed
          ? "the member is read-only (its storage failed)"
          : "the member is read-only (it knows no leader)",
      );
      return;
    }
    const session = new MemberSession(
      m,
      remoteAddressOf(request),
      request.raw.socket.remotePort ?? 0,
      m.config.minSessionTimeoutMs,
    );
    if (!(await session.open())) {
      request.error(503, "the member refused a session");
      return;
    }
    try {
      if (who.credentials !== null) await session.authenticate(who.credentials);
      const reply = await run(session);
      if (reply.err !== 0) {
        const name = errorNames.get(reply.err) ?? String(reply.err);
        request.json(httpStatusOf(reply.err), { error: name, code: reply.err });
        return;
      }
      request.json(status, answer(reply.body));
    } finally {
      await session.end();
    }
  }

  private getNode(request: AdminRequest): void {
    const who = this.options.auth.allowRead(request);
    if (who === null) return;
    const path = this.path(request, request.url.searchParams.get("path"));
    if (path === null) return;
    const node = this.options.member.state.tree.get(path);
    if (node === undefined) {
      request.json(404, { error: "noNode", code: ErrorCode.noNode });
      return;
    }
    const ids = this.idsOf(request, who);
    const acl = node.acl.acl;
    const readable = hasPermission(acl, Perm.read, ids);
    const bytes = readable ? dataBytes(node) : null;
    request.json(200, {
      path,
      stat: statJson(node),
      readable,
      dataBase64: bytes === null ? null : bytes.toString("base64"),
      acl: (hasPermission(acl, Perm.admin, ids) ? acl : maskDigests(acl)).map((a) => ({
        perms: a.perms,
        scheme: a.id.scheme,
        id: a.id.id,
      })),
    });
  }

  private children(request: AdminRequest): void {
    const who = this.options.auth.allowRead(request);
    if (who === null) return;
    const path = this.path(request, request.url.searchParams.get("path"));
    if (path === null) return;
    const offset = Number(request.url.searchParams.get("offset") ?? "0");
    const limit = Number(request.url.searchParams.get("limit") ?? "100");
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(limit) || limit < 1) {
      request.error(400, "offset and limit must be integers (offset >= 0, limit >= 1)");
      return;
    }
    const node = this.options.member.state.tree.get(path);
    if (node === undefined) {
      request.json(404, { error: "noNode", code: ErrorCode.noNode });
      return;
    }
    if (!hasPermission(node.acl.acl, Perm.read, this.idsOf(request, who))) {
      request.json(403, { error: "noAuth", code: ErrorCode.noAuth });
      return;
    }
    const names = this.sortedChildren(path, node);
    const page = names.slice(offset, offset + Math.min(limit, childrenPageMax));
    const base = path === "/" ? "/" : `${path}/`;
    request.json(200, {
      path,
      total: names.length,
      offset,
      children: page.map((name) => {
        const child = node.children?.get(name);
        return {
          name,
          numChildren: child?.numChildren ?? 0,
          dataLength: child?.dataLength ?? 0,
          ephemeral: child !== undefined && child.kind === NodeKind.ephemeral,
          path: `${base}${name}`,
        };
      }),
    });
  }

  private sortedChildren(path: string, node: Znode): string[] {
    if (node.children === null) return [];
    // pzxid moves on every child create and delete, so with the count it identifies the list.
    const key = `${node.pzxid}:${node.children.size}:${node.czxid}`;
    const cached = this.sorted.get(path);
    if (cached !== undefined && cached.key === key) return cached.names;
    const names = [...node.children.keys()].sort();
    this.sorted.delete(path);
    if (this.sorted.size >= sortedListsMax) {
      this.sorted.delete(this.sorted.keys().next().value as string);
    }
    this.sorted.set(path, { key, names });
    return names;
  }

  private sessions(request: AdminRequest): void {
    if (this.options.auth.allowRead(request) === null) return;
    const m = this.options.member;
    const eph = m.state.tree.ephemerals;
    const out: Record<string, unknown>[] = [];
    for (const s of m.state.sessions.values()) {
      if (out.length >= sessionsPageMax) break;
      const paths = eph.get(s.id);
      out.push({
        id: hex(s.id),
        timeoutMs: s.timeoutMs,
        ephemerals: paths === undefined ? [] : [...paths].sort().slice(0, 100),
        ephemeralCount: paths?.size ?? 0,
      });
    }
    const connected = new Map<number, string>();
    for (const c of m.clients.values()) {
      if (c.sessionId !== 0)
        connected.set(c.sessionId, `${c.connection.remoteAddress}:${c.connection.remotePort}`);
    }
    for (const s of out) {
      s.connection = connected.get(Number.parseInt(String(s.id).slice(2), 16)) ?? null;
    }
    request.json(200, { total: m.state.sessions.size, sessions: out });
  }

  private watches(request: AdminRequest): void {
    if (this.options.auth.allowRead(request) === null) return;
    const m = this.options.member;
    const sessionOf = (conn: number): string => hex(m.clients.get(conn)?.sessionId ?? 0);
    const out: { path: string; kind: string; sessions: string[] }[] = [];
    for (const kind of ["data", "child"] as const) {
      for (const [path, conns] of m.watches.byPath(kind)) {
        if (out.length >= sessionsPageMax) break;
        out.push({ path, kind, sessions: conns.map(sessionOf) });
      }
    }
    out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    request.json(200, { watches: out });
  }
}

const openAcl: ACL[] = [{ perms: Perm.all, id: { scheme: "world", id: "anyone" } }];

function statJson(node: Znode): Record<string, number | string> {
  const s = statOf(node);
  return { ...s, ephemeralOwner: hex(s.ephemeralOwner) };
}

/** The requester's IP as `ip:` ACLs name it (an IPv4 peer of a dual-stack socket unmapped). */
function remoteAddressOf(request: AdminRequest): string {
  const address = request.raw.socket.remoteAddress ?? "";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

function validPath(path: string): boolean {
  if (path === "/") return true;
  return (
    path.startsWith("/") && !path.endsWith("/") && !path.includes("//") && !path.includes("\0")
  );
}

function versionOf(text: string | null): number | null {
  if (text === null) return -1;
  if (!/^-?\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= -1 && n <= 2 ** 31 - 1 ? n : null;
}

/** The data of a create or setData body: bytes, null (no data), or undefined if malformed. */
function dataOf(body: Record<string, unknown>): Uint8Array | null | undefined {
  if (typeof body.data === "string") return Buffer.from(body.data, "utf8");
  if (typeof body.dataBase64 === "string") {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body.dataBase64)) return undefined;
    return Buffer.from(body.dataBase64, "base64");
  }
  if (body.data === undefined && body.dataBase64 === undefined) return null;
  if (body.data === null) return null;
  return undefined;
}

function aclOf(value: unknown): ACL[] | null {
  if (!Array.isArray(value) || value.length === 0) return null;
  const out: ACL[] = [];
  for (const entry of value) {
    if (typeof entry !== "object" || entry === null) return null;
    const { perms, scheme, id } = entry as Record<string, unknown>;
    if (!Number.isInteger(perms) || typeof scheme !== "string" || typeof id !== "string") {
      return null;
    }
    out.push({ perms: perms as number, id: { scheme, id } });
  }
  return out;
}
