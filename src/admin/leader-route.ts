// POST /api/leader/transfer[?to=N]: asks the ensemble to hand leadership over, to member N or
// (without `to`) to the voter whose log matches the leader's furthest. Any member takes it:
// a follower or an observer passes it on to the leader (server/leadership-transfer.ts). The
// answer comes once another member leads, or with the reason it did not happen:
//
//   200 {"previous_leader": 1, "leader": 2, "requested": 2, "forwarded": false,
//        "took_ms": 180, "error": null}
//   400 an observer or an id outside the ensemble was named, or `to` is not an id
//   409 the named member already leads, or there is no other voter
//   503 no leader is known, or no link to it; 504 the leader kept leadership (timed out)
//
// It changes who leads, so it needs an administrator, like every other route that changes
// something (admin-auth.ts).
import type { LeadershipTransfer } from "../server/leadership-transfer.js";
import type { AdminAuth } from "./admin-auth.js";
import type { AdminServer } from "./admin-server.js";

/** Long enough for Raft to bring a lagging target up to date and for its election. */
export const leaderTransferTimeoutMs = 5000;

export function registerLeaderRoutes(
  server: AdminServer,
  leadership: LeadershipTransfer,
  auth: AdminAuth,
): void {
  server.route("/api/leader/transfer", ["POST"], (request) => {
    if (auth.requireAdmin(request) === null) return;
    const to = request.url.searchParams.get("to");
    if (to !== null && !/^[1-9]\d{0,2}$/.test(to)) {
      request.error(400, `to: expected a server id, got "${to}"`);
      return;
    }
    return new Promise<void>((resolve) => {
      leadership.request(to === null ? 0 : Number(to), leaderTransferTimeoutMs, (o) => {
        request.json(o.status, {
          previous_leader: o.previousLeader,
          leader: o.leader,
          requested: o.requested === 0 ? null : o.requested,
          forwarded: o.forwarded,
          took_ms: o.tookMs,
          error: o.error,
        });
        resolve();
      });
    });
  });
}
