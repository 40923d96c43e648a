// Health checks for orchestrators and load balancers.
//
// `/livez`: the process serves HTTP, so its event loop turns; 200 while the member has not
// been stopped. `/readyz`: this member can serve client requests now, which takes four
// things, each reported by name with the reason when it fails: the client port is bound; the
// member knows a leader (a standalone member leads itself); it has applied what it knows is
// committed, to within applyLagEntriesMax; its storage takes writes (after a disk failure the
// member serves only read-only clients, server/read-only.ts). 503 when any fails, so a load
// balancer stops sending clients that need writes.
import type { Member } from "../server/member.js";
import type { MemberStatusSource } from "../server/member-status.js";
import type { AdminRequest, AdminServer } from "./admin-server.js";

export interface HealthOptions {
  member: Member;
  status: MemberStatusSource;
  /** Most committed-but-unapplied entries a ready member may have. */
  applyLagEntriesMax: number;
  /** False once the member was stopped (shutdown in progress). */
  running: () => boolean;
}

export interface HealthCheck {
  name: string;
  ok: boolean;
  reason: string;
}

export function readinessChecks(options: HealthOptions): HealthCheck[] {
  const m = options.member;
  const st = options.status.memberStatus();
  const lag = st.commitIndex - st.appliedIndex;
  const leads = st.role === "standalone" || st.role === "leader";
  return [
    {
      name: "client_port",
      ok: m.clientPort !== 0 && options.running(),
      reason: options.running() ? "the client port is not bound yet" : "the member is stopping",
    },
    {
      name: "leader",
      ok: leads || (st.leaderId !== 0 && st.role !== "read-only"),
      reason:
        st.role === "read-only"
          ? `${m.storageFailed ? "storage failed" : "cut off from the quorum"}: this member serves read-only clients and knows no leader`
          : `no leader known (role ${st.role}, term ${st.term})`,
    },
    {
      name: "caught_up",
      ok: lag <= options.applyLagEntriesMax,
      reason: `${lag} committed entries not applied yet (bound ${options.applyLagEntriesMax})`,
    },
    {
      name: "disk_writable",
      ok: !m.storageFailed,
      reason: "storage failed; the member is read-only until restarted on a healthy disk",
    },
  ];
}

export function registerHealthRoutes(server: AdminServer, options: HealthOptions): void {
  server.route("/livez", ["GET"], (request: AdminRequest) => {
    if (!options.running()) {
      request.json(503, { status: "stopping", reason: "the member is shutting down" });
      return;
    }
    request.json(200, { status: "ok" });
  });
  server.route("/readyz", ["GET"], (request: AdminRequest) => {
    const checks = readinessChecks(options);
    const failed = checks.filter((c) => !c.ok);
    request.json(failed.length === 0 ? 200 : 503, {
      status: failed.length === 0 ? "ready" : "not ready",
      reasons: failed.map((c) => `${c.name}: ${c.reason}`),
      checks: checks.map((c) => ({ name: c.name, ok: c.ok })),
    });
  });
}
