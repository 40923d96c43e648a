// Runs the Raft simulation over one seed or a range of seeds and reports failures in a
// form a person can act on: the seed, the one command that replays it, the setup, and a
// readable trace of the events leading up to the failure.
import type { PlantedBug } from "../raft/config.js";
import { runSimulation, type SimResult } from "./raft-cluster.js";
import type { Scenario } from "./swarm-profile.js";

export const defaultEventsPerSeed = 3000;

export interface SweepOptions {
  from: number;
  to: number;
  events?: number;
  plantedBug?: PlantedBug;
  /** Force every run's swarm scenario (default: each seed draws its own). */
  scenario?: Scenario;
  /** Stop at the first failure (default true). */
  stopOnFailure?: boolean;
  /** Wall-clock budget in milliseconds; the sweep stops early once spent. */
  timeBudgetMs?: number;
  /** Called after each seed (progress reporting). */
  onResult?: (result: SimResult) => void;
  /** Reads a monotonic clock (ms); only needed with timeBudgetMs. */
  clockMs?: () => number;
}

export interface SweepResult {
  seedsRun: number;
  failures: SimResult[];
  events: number;
  /** True if the time budget ran out before `to`. */
  truncated: boolean;
}

export function runSeed(
  seed: number,
  events = defaultEventsPerSeed,
  plantedBug?: PlantedBug,
  scenario?: Scenario,
): SimResult {
  return runSimulation({
    seed,
    events,
    ...(plantedBug ? { plantedBug } : {}),
    ...(scenario ? { scenario } : {}),
    traceLength: 40,
  });
}

export function sweep(options: SweepOptions): SweepResult {
  return sweepSeeds(
    (seed) => runSeed(seed, options.events, options.plantedBug, options.scenario),
    options,
  );
}

/** What every simulator's run reports, as far as a sweep cares. */
export interface SeedRun {
  seed: number;
  ok: boolean;
  events: number;
}

export interface SeedSweep<R extends SeedRun> {
  seedsRun: number;
  failures: R[];
  events: number;
  /** True if the time budget ran out before `to`. */
  truncated: boolean;
}

/** Runs `run` for seeds from..to, within the time budget, stopping at a failure if asked. */
export function sweepSeeds<R extends SeedRun>(
  run: (seed: number) => R,
  options: Omit<SweepOptions, "onResult" | "events" | "plantedBug" | "scenario"> & {
    onResult?: (result: R) => void;
  },
): SeedSweep<R> {
  const failures: R[] = [];
  let events = 0;
  let seedsRun = 0;
  const started = options.clockMs?.() ?? 0;
  for (let seed = options.from; seed <= options.to; seed++) {
    if (options.timeBudgetMs !== undefined && options.clockMs !== undefined) {
      if (options.clockMs() - started > options.timeBudgetMs) {
        return { seedsRun, failures, events, truncated: true };
      }
    }
    const r = run(seed);
    seedsRun++;
    events += r.events;
    options.onResult?.(r);
    if (!r.ok) {
      failures.push(r);
      if (options.stopOnFailure ?? true) break;
    }
  }
  return { seedsRun, failures, events, truncated: false };
}

/** The command that replays one seed exactly. */
export function replayCommand(
  r: SimResult,
  events: number,
  plantedBug?: PlantedBug,
  scenario?: Scenario,
): string {
  const extra = events !== defaultEventsPerSeed ? ` --events ${events}` : "";
  const bug = plantedBug ? ` --planted-bug ${plantedBug}` : "";
  const forced = scenario ? ` --scenario ${scenario}` : "";
  return `corral sim --seed ${r.seed}${extra}${bug}${forced}`;
}

export function formatFailure(
  r: SimResult,
  events: number,
  plantedBug?: PlantedBug,
  scenario?: Scenario,
): string {
  return [
    `FAILED seed ${r.seed} after ${r.events} events (${r.simTimeMs.toFixed(0)}ms simulated)`,
    `  ${r.failure}`,
    `  setup: ${r.setup}`,
    `  profile: ${r.profile}`,
    `  replay: ${replayCommand(r, events, plantedBug, scenario)}`,
    `  last events:`,
    ...r.trace.map((line) => `    ${line}`),
  ].join("\n");
}
