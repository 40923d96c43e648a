// Who may use the admin port. An administrator is configured by a digest
// (admin.authDigest=user:base64sha1, the form of ZooKeeper's superDigest) and presents
// `Authorization: Basic base64(user:password)`, or ZooKeeper 3.9's AdminServer form
// `Authorization: digest user:password`; or by a token (admin.authToken) presented as
// `Authorization: Bearer <token>`. Every route that changes something requires an
// administrator; read routes do too when admin.readAuthRequired=true; the health checks never
// do (orchestrators probe them without credentials).
//
// Being an administrator opens the door, not the znodes: edits run in a session carrying the
// digest identity the administrator logged in with (member-session.ts), so a znode's ACL
// decides as it would for any client, and only credentials that match the superDigest make a
// super user. A token carries no znode identity: its edits reach what the world may touch.
//
// Failed logins are counted (corral_admin_auth_failures_total) and each is logged once with
// the remote address and the reason; comparisons take constant time.
import { createHash, timingSafeEqual } from "node:crypto";
import type { Logger } from "../base/logger.js";
import { digestId } from "../server/digest.js";
import type { AdminRequest } from "./admin-server.js";

export interface AdminAuthConfig {
  /** Each administrator's `user:base64(sha1("user:password"))`. */
  digests: readonly string[];
  token: string | null;
  readAuthRequired: boolean;
}

/** Who made a request. */
export interface AdminPrincipal {
  /** How they proved it; "none" when they sent nothing (or nothing valid was required). */
  via: "digest" | "token" | "none";
  /** `user:password` for digest logins, to authenticate the znode session with. */
  credentials: string | null;
}

const anonymous: AdminPrincipal = { via: "none", credentials: null };

function sameText(a: string, b: string): boolean {
  const x = createHash("sha256").update(a).digest();
  const y = createHash("sha256").update(b).digest();
  return timingSafeEqual(x, y);
}

/**
 * The Basic challenge that makes curl and browsers ask for credentials; left out for the
 * dashboard's own requests (x-corral-dashboard), which log in with their own form: a
 * challenge would make the browser hold the request behind its login prompt.
 */
function challenge(request: AdminRequest): Record<string, string> {
  return request.header("x-corral-dashboard") === undefined
    ? { "www-authenticate": 'Basic realm="corral admin"' }
    : {};
}

export class AdminAuth {
  failures = 0;

  constructor(
    readonly config: AdminAuthConfig,
    private readonly logger: Logger,
  ) {}

  /** True when some administrator credential is configured (edits are possible at all). */
  get enabled(): boolean {
    return this.config.digests.length > 0 || this.config.token !== null;
  }

  /**
   * Who sent the request: an administrator, anonymous (no Authorization header), or null
   * after answering 401 itself when the header is present but wrong.
   */
  identify(request: AdminRequest): AdminPrincipal | null {
    const header = request.header("authorization");
    if (header === undefined || header === "") return anonymous;
    const space = header.indexOf(" ");
    const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
    const value = space < 0 ? "" : header.slice(space + 1).trim();
    if (scheme === "basic" || scheme === "digest") {
      const credentials =
        scheme === "basic" ? Buffer.from(value, "base64").toString("utf8") : value;
      if (credentials.includes(":")) {
        const id = digestId(credentials);
        // Every configured digest is compared, so the time taken says nothing about which.
        let match = false;
        for (const d of this.config.digests) if (sameText(id, d)) match = true;
        if (match) return { via: "digest", credentials };
      }
      return this.refuse(request, "wrong user or password");
    }
    if (scheme === "bearer") {
      if (this.config.token !== null && sameText(value, this.config.token)) {
        return { via: "token", credentials: null };
      }
      return this.refuse(request, "wrong token");
    }
    return this.refuse(request, `unsupported authorization scheme ${scheme}`);
  }

  /** For a route that changes state: the administrator, or null after answering 401/403. */
  requireAdmin(request: AdminRequest): AdminPrincipal | null {
    if (!this.enabled) {
      request.error(403, "editing is disabled: set admin.authDigest or admin.authToken");
      return null;
    }
    const who = this.identify(request);
    if (who === null) return null;
    if (who.via === "none") {
      request.error(401, "administrator credentials required", challenge(request));
      return null;
    }
    return who;
  }

  /** For a read route: whoever may read (everyone unless admin.readAuthRequired). */
  allowRead(request: AdminRequest): AdminPrincipal | null {
    if (!this.config.readAuthRequired) return this.identify(request);
    return this.requireAdmin(request);
  }

  private refuse(request: AdminRequest, reason: string): null {
    this.failures++;
    const socket = request.raw.socket;
    this.logger.warn("admin login failed", {
      remote: `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}`,
      path: request.url.pathname,
      reason,
    });
    request.error(401, "authentication failed", challenge(request));
    return null;
  }
}
