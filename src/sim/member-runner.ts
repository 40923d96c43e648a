// Runs the member simulation over one seed or a range of seeds and reports a failure in a
// form a person can act on: the seed, the one command that replays it, the setup, and the
// trace of the events leading up to it.

import {
  defaultMemberSimDurationMs,
  type MemberSimResult,
  runMemberSimulation,
} from "./member-sim.js";
import type { MemberPlantedBug } from "./member-sim-bugs.js";
import { type SeedSweep, sweepSeeds } from "./runner.js";

export interface MemberRunOptions {
  durationMs?: number;
  plantedBug?: MemberPlantedBug;
}

export function runMemberSeed(seed: number, options: MemberRunOptions = {}): MemberSimResult {
  return runMemberSimulation({ seed, ...options, traceLength: 60 });
}

export function sweepMember(
  options: MemberRunOptions & {
    from: number;
    to: number;
    stopOnFailure?: boolean;
    timeBudgetMs?: number;
    clockMs?: () => number;
    onResult?: (result: MemberSimResult) => void;
  },
): SeedSweep<MemberSimResult> {
  return sweepSeeds((seed) => runMemberSeed(seed, options), options);
}

/** The command that replays one seed exactly. */
export function memberReplayCommand(seed: number, options: MemberRunOptions = {}): string {
  const duration =
    options.durationMs !== undefined && options.durationMs !== defaultMemberSimDurationMs
      ? ` --duration ${options.durationMs}`
      : "";
  const bug = options.plantedBug ? ` --planted-bug ${options.plantedBug}` : "";
  return `corral sim --member --seed ${seed}${duration}${bug}`;
}

export function formatMemberFailure(r: MemberSimResult, options: MemberRunOptions = {}): string {
  return [
    `FAILED member seed ${r.seed} after ${r.events} events (${r.simTimeMs.toFixed(0)}ms simulated)`,
    `  ${r.failure}`,
    `  setup: ${r.setup}`,
    `  replay: ${memberReplayCommand(r.seed, options)}`,
    "  last events:",
    ...r.trace.map((line) => `    ${line}`),
  ].join("\n");
}
