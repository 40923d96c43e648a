// The nemesis: a seeded schedule of faults, played against any cluster that implements
// FaultCluster. The plan is a pure function of its seed and bounds (count, duration of
// each fault, quiet gap between faults), so a failing run's faults replay from the seed;
// the workload's timing, of course, does not.
//
// Faults are played one at a time: inject, hold for the planned duration, heal, stay
// quiet for a gap. Each hits a random set of members, usually a minority, sometimes a
// majority (so the service also loses its quorum and must recover); link faults need a
// cluster whose members talk through relays (canCutLinks).
import type { TestRng } from "../support/rng.js";
import { rng } from "../support/rng.js";
import type { FaultHistory } from "./history.js";

/**
 * What the nemesis needs of a cluster. Member ids are the zoo.cfg server ids. Every method
 * resolves once the fault is in place (a killed member has exited, a restarted one listens
 * again). A launcher for a standalone server is in standalone-cluster.ts; an ensemble
 * launcher implements the same interface (docs/fault-testing.md).
 */
export interface FaultCluster {
  readonly members: readonly number[];
  /** For the clients: every member's client address. */
  readonly connectString: string;
  /** SIGKILL; the member's data directory stays. */
  kill(id: number): Promise<void>;
  /** Starts a killed member again on its data directory and address. */
  restart(id: number): Promise<void>;
  /** SIGSTOP. */
  pause(id: number): Promise<void>;
  /** SIGCONT. */
  resume(id: number): Promise<void>;
  /** Whether cutLink can be used: the members talk to each other through relays. */
  readonly canCutLinks: boolean;
  /** Drops the traffic from `from` to `to`, and from `to` to `from` unless oneWay. */
  cutLink(from: number, to: number, oneWay: boolean): Promise<void>;
  /** Heals every link, resumes paused members, restarts killed ones. */
  healAll(): Promise<void>;
}

export type FaultAction = "kill" | "pause" | "partition" | "one-way";

export interface PlannedFault {
  startMs: number;
  durationMs: number;
  action: FaultAction;
  /** kill/pause: the members hit; partition: one side (cut off from the rest); one-way: [from, to]. */
  members: number[];
}

export interface PlanOptions {
  members: readonly number[];
  canCutLinks: boolean;
  /** Faults start within this window (from the run's start). */
  windowMs: number;
  faultsMax: number;
  faultMsMin?: number;
  faultMsMax?: number;
  gapMsMin?: number;
  gapMsMax?: number;
  /** Allowed actions; default: all the cluster supports. */
  actions?: readonly FaultAction[];
}

export function planFaults(seed: number, o: PlanOptions): PlannedFault[] {
  const r = rng(seed);
  const n = o.members.length;
  const links = o.canCutLinks && n > 1;
  const actions = (o.actions ?? ["kill", "pause", "partition", "one-way"]).filter(
    (a) => links || a === "kill" || a === "pause",
  );
  if (actions.length === 0) throw new Error("no fault action fits this cluster");
  const faultMsMin = o.faultMsMin ?? 300;
  const faultMsMax = o.faultMsMax ?? 2000;
  const gapMsMin = o.gapMsMin ?? 300;
  const gapMsMax = o.gapMsMax ?? 1500;
  const plan: PlannedFault[] = [];
  // Each action once, in a seeded order, before any repeats: a short run still sees all.
  const order = shuffle(r, [...actions]);
  let t = between(r, gapMsMin, gapMsMax);
  while (plan.length < o.faultsMax) {
    const durationMs = between(r, faultMsMin, faultMsMax);
    if (t + durationMs > o.windowMs) break;
    const action = plan.length < order.length ? order[plan.length] : r.pick(actions);
    plan.push({ startMs: t, durationMs, action, members: targets(r, action, o.members) });
    t += durationMs + between(r, gapMsMin, gapMsMax);
  }
  return plan;
}

function targets(r: TestRng, action: FaultAction, members: readonly number[]): number[] {
  const shuffled = shuffle(r, [...members]);
  if (action === "one-way") return shuffled.slice(0, 2);
  const n = members.length;
  const minority = Math.max(1, Math.floor((n - 1) / 2));
  // Mostly a minority; one time in five a majority, so the quorum goes too.
  const size = r.chance(0.2) ? Math.min(n, Math.floor(n / 2) + 1) : 1 + r.int(minority);
  return shuffled.slice(0, action === "partition" ? Math.min(size, n - 1) : size);
}

function between(r: TestRng, lo: number, hi: number): number {
  return lo + r.int(hi - lo + 1);
}

function shuffle<T>(r: TestRng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/**
 * Plays `plan` against `cluster`, logging each step into the history. Stops early when
 * `signal` aborts. Always heals everything before it returns or throws.
 */
export async function runNemesis(
  cluster: FaultCluster,
  plan: readonly PlannedFault[],
  history: FaultHistory,
  signal?: AbortSignal,
): Promise<void> {
  const originMs = history.now();
  const waitUntil = async (atMs: number): Promise<void> => {
    const ms = originMs + atMs - history.now();
    if (ms <= 0 || signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    });
  };
  try {
    for (const f of plan) {
      await waitUntil(f.startMs);
      if (signal?.aborted) break;
      await inject(cluster, f, history);
      await waitUntil(f.startMs + f.durationMs);
      await heal(cluster, f, history);
    }
  } finally {
    await cluster.healAll();
    history.noteNemesis("heal-all", "*");
  }
}

async function inject(
  cluster: FaultCluster,
  f: PlannedFault,
  history: FaultHistory,
): Promise<void> {
  const target = f.members.join(",");
  history.noteNemesis(f.action, target);
  switch (f.action) {
    case "kill":
      for (const id of f.members) await cluster.kill(id);
      break;
    case "pause":
      for (const id of f.members) await cluster.pause(id);
      break;
    case "partition":
      for (const a of f.members) {
        for (const b of cluster.members) {
          if (!f.members.includes(b)) await cluster.cutLink(a, b, false);
        }
      }
      break;
    case "one-way":
      await cluster.cutLink(f.members[0], f.members[1], true);
      break;
  }
}

async function heal(cluster: FaultCluster, f: PlannedFault, history: FaultHistory): Promise<void> {
  const target = f.members.join(",");
  switch (f.action) {
    case "kill":
      for (const id of f.members) await cluster.restart(id);
      history.noteNemesis("restart", target);
      break;
    case "pause":
      for (const id of f.members) await cluster.resume(id);
      history.noteNemesis("resume", target);
      break;
    default:
      await cluster.healAll();
      history.noteNemesis("heal", target);
  }
}
