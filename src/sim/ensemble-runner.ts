// Runs the ensemble simulation over one seed or a range of seeds and reports a failure in a
// form a person can act on: the seed, the one command that replays it, the seed's profile
// (which faults it drew), and the trace of the events leading up to it.
import {
  defaultEnsembleSimDurationMs,
  type EnsembleSimResult,
  runEnsembleSimulation,
} from "./ensemble-sim.js";
import type { EnsemblePlantedBug } from "./ensemble-sim-bugs.js";
import { type SeedSweep, sweepSeeds } from "./runner.js";

export interface EnsembleRunOptions {
  /** 3 or 5. */
  members: number;
  durationMs?: number;
  plantedBug?: EnsemblePlantedBug;
}

export function runEnsembleSeed(seed: number, options: EnsembleRunOptions): EnsembleSimResult {
  return runEnsembleSimulation({ seed, ...options, traceLength: 80 });
}

export function sweepEnsemble(
  options: EnsembleRunOptions & {
    from: number;
    to: number;
    stopOnFailure?: boolean;
    timeBudgetMs?: number;
    clockMs?: () => number;
    onResult?: (result: EnsembleSimResult) => void;
  },
): SeedSweep<EnsembleSimResult> {
  return sweepSeeds((seed) => runEnsembleSeed(seed, options), options);
}

/** The command that replays one seed exactly. */
export function ensembleReplayCommand(seed: number, options: EnsembleRunOptions): string {
  const duration =
    options.durationMs !== undefined && options.durationMs !== defaultEnsembleSimDurationMs
      ? ` --duration ${options.durationMs}`
      : "";
  const bug = options.plantedBug ? ` --planted-bug ${options.plantedBug}` : "";
  return `corral sim --member --members ${options.members} --seed ${seed}${duration}${bug}`;
}

export function formatEnsembleFailure(r: EnsembleSimResult, options: EnsembleRunOptions): string {
  return [
    `FAILED ensemble seed ${r.seed} after ${r.events} events (${r.simTimeMs.toFixed(0)}ms simulated)`,
    `  ${r.failure}`,
    `  profile: ${r.setup}`,
    `  replay: ${ensembleReplayCommand(r.seed, options)}`,
    "  last events:",
    ...r.trace.map((line) => `    ${line}`),
  ].join("\n");
}
