// `corral sim`: runs the deterministic Raft simulator, or with --member the simulation of a
// real standalone member (storage, RaftLog, Member) under crashes. One seed replays one run
// exactly; a range sweeps many. A failure prints the seed, the command that replays it, and
// the trace of the events before it, and the command exits non-zero.
import type { Command } from "commander";
import type { PlantedBug } from "../raft/config.js";
import {
  type EnsembleRunOptions,
  formatEnsembleFailure,
  runEnsembleSeed,
  sweepEnsemble,
} from "../sim/ensemble-runner.js";
import { defaultEnsembleSimDurationMs } from "../sim/ensemble-sim.js";
import { type EnsemblePlantedBug, ensemblePlantedBugs } from "../sim/ensemble-sim-bugs.js";
import {
  formatMemberFailure,
  type MemberRunOptions,
  runMemberSeed,
  sweepMember,
} from "../sim/member-runner.js";
import { defaultMemberSimDurationMs } from "../sim/member-sim.js";
import { type MemberPlantedBug, memberPlantedBugs } from "../sim/member-sim-bugs.js";
import { defaultEventsPerSeed, formatFailure, runSeed, sweep } from "../sim/runner.js";
import { type Scenario, scenarios } from "../sim/swarm-profile.js";

const plantedBugs: readonly PlantedBug[] = [
  "commit-prior-term-by-counting",
  "vote-before-persist",
  "skip-prev-entry-check",
  "ack-before-persist",
];

interface SimCliOptions {
  seed?: string;
  seeds?: string;
  events: string;
  plantedBug?: string;
  scenario?: string;
  member?: boolean;
  members?: string;
  duration?: string;
}

function parseSeeds(text: string): [number, number] {
  const m = /^(\d+)\.\.(\d+)$/.exec(text);
  if (m === null) throw new Error(`--seeds wants A..B, got "${text}"`);
  const from = Number(m[1]);
  const to = Number(m[2]);
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || to < from) {
    throw new Error(`--seeds: bad range ${text}`);
  }
  return [from, to];
}

function parseCount(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} wants a positive integer`);
  return n;
}

export function registerSimCommand(program: Command): void {
  program
    .command("sim")
    .description("run the deterministic Raft simulator (one seed, or a sweep of seeds)")
    .option("--seed <n>", "run one seed (replays exactly)")
    .option("--seeds <a..b>", "sweep the seeds a through b")
    .option(
      "--events <n>",
      "events in each run's fault phase (times the profile's length factor, 0.5 to 1.5)",
      String(defaultEventsPerSeed),
    )
    .option(
      "--planted-bug <name>",
      `test the checkers: plant one of ${plantedBugs.join(", ")} (with --member: ${memberPlantedBugs.join(", ")}; with --members: ${ensemblePlantedBugs.join(", ")})`,
    )
    .option(
      "--scenario <name>",
      `force every run's swarm scenario: one of ${scenarios.join(", ")} (default: drawn per seed)`,
    )
    .option("--member", "simulate a real standalone member under crashes instead of raft alone")
    .option(
      "--members <n>",
      "with --member: run an ensemble of 3 or 5 real members over a simulated network",
    )
    .option(
      "--duration <ms>",
      `with --member: simulated milliseconds of the fault phase (default ${defaultMemberSimDurationMs}, ensembles ${defaultEnsembleSimDurationMs})`,
    )
    .action((opts: SimCliOptions) => {
      if (opts.member === true && opts.members !== undefined) {
        simulateEnsemble(opts);
        return;
      }
      if (opts.member === true) {
        simulateMember(opts);
        return;
      }
      const events = parseCount("--events", opts.events);
      let bug: PlantedBug | undefined;
      if (opts.plantedBug !== undefined) {
        if (!(plantedBugs as readonly string[]).includes(opts.plantedBug)) {
          throw new Error(`--planted-bug: unknown bug "${opts.plantedBug}"`);
        }
        bug = opts.plantedBug as PlantedBug;
      }
      let scenario: Scenario | undefined;
      if (opts.scenario !== undefined) {
        if (!(scenarios as readonly string[]).includes(opts.scenario)) {
          throw new Error(`--scenario: unknown scenario "${opts.scenario}"`);
        }
        scenario = opts.scenario as Scenario;
      }
      if (opts.seed !== undefined) {
        const seed = parseSeed(opts.seed);
        const r = runSeed(seed, events, bug, scenario);
        if (r.ok) {
          console.log(
            `seed ${seed}: ok, ${r.events} events, ${r.simTimeMs.toFixed(0)}ms simulated, ${JSON.stringify(r.stats)}`,
          );
          console.log(`  setup: ${r.setup}`);
          console.log(`  profile: ${r.profile}`);
        } else {
          console.log(formatFailure(r, events, bug, scenario));
          process.exitCode = 1;
        }
        return;
      }
      const [from, to] = parseSeeds(opts.seeds ?? "1..100");
      const started = performance.now();
      let lastReport = started;
      const result = sweep({
        from,
        to,
        events,
        ...(bug ? { plantedBug: bug } : {}),
        ...(scenario ? { scenario } : {}),
        stopOnFailure: false,
        onResult: (r) => {
          if (!r.ok) console.log(formatFailure(r, events, bug, scenario));
          const now = performance.now();
          if (now - lastReport > 10_000) {
            lastReport = now;
            console.log(`  ... seed ${r.seed}, ${((now - started) / 1000).toFixed(0)}s`);
          }
        },
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(
        `seeds ${from}..${to}: ${result.seedsRun} runs, ${result.events} events, ${result.failures.length} failures, ${seconds}s`,
      );
      if (result.failures.length > 0) {
        console.log(`failing seeds: ${result.failures.map((f) => f.seed).join(" ")}`);
        process.exitCode = 1;
      }
    });
}

function parseSeed(text: string): number {
  const seed = Number(text);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error("--seed wants an integer");
  return seed;
}

/** `corral sim --member --members N`: one seed or a sweep of the ensemble simulation. */
function simulateEnsemble(opts: SimCliOptions): void {
  const members = Number(opts.members);
  if (members !== 3 && members !== 5) throw new Error("--members wants 3 or 5");
  const options: EnsembleRunOptions = {
    members,
    durationMs: parseCount("--duration", opts.duration ?? String(defaultEnsembleSimDurationMs)),
  };
  if (opts.plantedBug !== undefined) {
    if (!(ensemblePlantedBugs as readonly string[]).includes(opts.plantedBug)) {
      throw new Error(`--planted-bug: unknown ensemble bug "${opts.plantedBug}"`);
    }
    options.plantedBug = opts.plantedBug as EnsemblePlantedBug;
  }
  if (opts.seed !== undefined) {
    const r = runEnsembleSeed(parseSeed(opts.seed), options);
    if (r.ok) {
      console.log(
        `ensemble seed ${r.seed}: ok, ${r.events} events, ${r.simTimeMs.toFixed(0)}ms simulated, ${JSON.stringify(r.stats)}, digest ${r.digest}`,
      );
      console.log(`  profile: ${r.setup}`);
    } else {
      console.log(formatEnsembleFailure(r, options));
      process.exitCode = 1;
    }
    return;
  }
  const [from, to] = parseSeeds(opts.seeds ?? "1..100");
  const started = performance.now();
  let lastReport = started;
  const result = sweepEnsemble({
    ...options,
    from,
    to,
    stopOnFailure: false,
    onResult: (r) => {
      if (!r.ok) console.log(formatEnsembleFailure(r, options));
      const now = performance.now();
      if (now - lastReport > 60_000) {
        lastReport = now;
        console.log(`  ... seed ${r.seed}, ${((now - started) / 1000).toFixed(0)}s`);
      }
    },
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `ensemble seeds ${from}..${to}: ${result.seedsRun} runs, ${result.events} events, ${result.failures.length} failures, ${seconds}s`,
  );
  if (result.failures.length > 0) {
    console.log(`failing seeds: ${result.failures.map((f) => f.seed).join(" ")}`);
    process.exitCode = 1;
  }
}

/** `corral sim --member`: one seed or a sweep of the member simulation. */
function simulateMember(opts: SimCliOptions): void {
  const options: MemberRunOptions = {
    durationMs: parseCount("--duration", opts.duration ?? String(defaultMemberSimDurationMs)),
  };
  if (opts.plantedBug !== undefined) {
    if (!(memberPlantedBugs as readonly string[]).includes(opts.plantedBug)) {
      throw new Error(`--planted-bug: unknown member bug "${opts.plantedBug}"`);
    }
    options.plantedBug = opts.plantedBug as MemberPlantedBug;
  }
  if (opts.seed !== undefined) {
    const r = runMemberSeed(parseSeed(opts.seed), options);
    if (r.ok) {
      console.log(
        `member seed ${r.seed}: ok, ${r.events} events, ${r.simTimeMs.toFixed(0)}ms simulated, ${JSON.stringify(r.stats)}, digest ${r.digest}`,
      );
      console.log(`  setup: ${r.setup}`);
    } else {
      console.log(formatMemberFailure(r, options));
      process.exitCode = 1;
    }
    return;
  }
  const [from, to] = parseSeeds(opts.seeds ?? "1..100");
  const started = performance.now();
  const result = sweepMember({
    ...options,
    from,
    to,
    stopOnFailure: false,
    onResult: (r) => {
      if (!r.ok) console.log(formatMemberFailure(r, options));
    },
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `member seeds ${from}..${to}: ${result.seedsRun} runs, ${result.events} events, ${result.failures.length} failures, ${seconds}s`,
  );
  if (result.failures.length > 0) {
    console.log(`failing seeds: ${result.failures.map((f) => f.seed).join(" ")}`);
    process.exitCode = 1;
  }
}
