// The web dashboard: static files shipped in the package (assets/dashboard/, plain HTML, CSS
// and an ES module; no build step) plus uPlot from its npm package for the charts, served
// from memory, and `/api/status`, the one figure the page polls (every second): the
// member's role, term, indexes and ensemble from the MemberStatusSource, its counters, and
// the last second's request and fsync latency percentiles.
//
// Files are read once at start-up into a fixed table, so no request path ever reaches the
// file system: `/dashboard/<name>` serves only names in that table.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Member } from "../server/member.js";
import type { MemberStatusSource } from "../server/member-status.js";
import type { AdminAuth } from "./admin-auth.js";
import type { AdminServer } from "./admin-server.js";
import type { Metrics } from "./metrics.js";

export interface DashboardOptions {
  member: Member;
  status: MemberStatusSource;
  metrics: Metrics;
  auth: AdminAuth;
}

const assetsDir = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "assets",
  "dashboard",
);

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

function loadAssets(): Map<string, { type: string; body: Buffer }> {
  const files = new Map<string, { type: string; body: Buffer }>();
  for (const name of ["index.html", "dashboard.js", "dashboard.css"]) {
    const ext = name.slice(name.lastIndexOf("."));
    files.set(name, { type: contentTypes[ext], body: readFileSync(join(assetsDir, name)) });
  }
  const require = createRequire(import.meta.url);
  files.set("uplot.js", {
    type: contentTypes[".js"],
    body: readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js")),
  });
  files.set("uplot.css", {
    type: contentTypes[".css"],
    body: readFileSync(require.resolve("uplot/dist/uPlot.min.css")),
  });
  return files;
}

export function registerDashboard(server: AdminServer, options: DashboardOptions): void {
  const files = loadAssets();
  server.route("/", ["GET"], (request) => {
    request.send(302, "text/plain; charset=utf-8", "see /dashboard/\n", {
      location: "/dashboard/",
    });
  });
  // Browsers ask for it; there is none.
  server.route("/favicon.ico", ["GET"], (request) => request.send(204, "image/x-icon", ""));
  server.routePrefix("/dashboard/", ["GET"], (request) => {
    const name = request.url.pathname.slice("/dashboard/".length) || "index.html";
    const file = files.get(name);
    if (file === undefined) {
      request.error(404, `no dashboard file ${name}`);
      return;
    }
    request.send(200, file.type, file.body, {
      "content-security-policy":
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
      "x-content-type-options": "nosniff",
    });
  });
  server.route("/api/status", ["GET"], (request) => {
    const who = options.auth.allowRead(request);
    if (who === null) return;
    const m = options.member;
    // Not the four-letter-word context: that measures the data directories on disk, which a
    // page polled every second has no need of.
    const w = m.watches.summary("data");
    const member = options.status.memberStatus();
    request.json(200, {
      member,
      mode: member.role,
      readOnly: m.readOnly,
      zxid: `0x${m.lastZxid.toString(16)}`,
      znodeCount: m.state.tree.size,
      sessions: m.state.sessions.size,
      connections: m.clients.size,
      watches: w.watches,
      uptimeMs: Date.now() - m.startedMs,
      packetsReceived: m.packetsReceived,
      packetsSent: m.packetsSent,
      recent: {
        requests: options.metrics.recentRequests.read(),
        fsyncs: options.metrics.recentFsyncs.read(),
      },
      editing: options.auth.enabled,
      you: who.via,
    });
  });
}
