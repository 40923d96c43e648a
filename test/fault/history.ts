// What a fault run records, and its verdict. The workload's clients append every operation
// here with monotonic invoke and complete times (milliseconds since the run began) and its
// outcome; the collector adds the final listings; the nemesis adds what it did, for the
// report. checkFaultHistory() runs the three pure checkers of src/sim over it.
//
// How a client error becomes an outcome:
// - connection loss (also "client closed"), operation timeout and session expiry are
//   indeterminate: the request may have been applied before the answer was lost;
// - BadVersion is an answer (the register's version differed);
// - throttling and NotReadOnly are refusals before the request was ordered: failed;
// - any other error is unexpected for these workloads (a register that vanished, a create
//   in a parent that does not exist) and is kept as an anomaly, which fails the run.
import { readFileSync, writeFileSync } from "node:fs";
import {
  ConnectionLossError,
  NotReadOnlyError,
  OperationTimeoutError,
  RequestTimeoutError,
  SessionExpiredError,
  ThrottledOpError,
  ZooKeeperError,
} from "../../src/client/errors.js";
import {
  type CreateAttempt,
  checkSequentialCreates,
  type ListedNode,
  type SetCheckResult,
} from "../../src/sim/create-set-check.js";
import {
  checkEphemerals,
  type EphemeralCheckResult,
  type EphemeralCreate,
  type EphemeralSession,
  type ListedEphemeral,
} from "../../src/sim/ephemeral-check.js";
import { checkLinearizable, type LinearizabilityResult } from "../../src/sim/linearizability.js";
import {
  type RegisterInitial,
  type RegisterOp,
  registerModel,
} from "../../src/sim/register-model.js";

export interface NemesisEvent {
  atMs: number;
  action: string;
  target: string;
}

export type ErrorOutcome = "indeterminate" | "failed" | "badVersion" | "unexpected";

export function classifyError(error: unknown): ErrorOutcome {
  if (
    error instanceof ConnectionLossError ||
    error instanceof OperationTimeoutError ||
    error instanceof RequestTimeoutError ||
    error instanceof SessionExpiredError
  ) {
    return "indeterminate";
  }
  if (error instanceof ZooKeeperError && error.codeName === "BADVERSION") return "badVersion";
  if (error instanceof ThrottledOpError || error instanceof NotReadOnlyError) return "failed";
  return "unexpected";
}

export class FaultHistory {
  private readonly originMs = performance.now();
  readonly register: RegisterOp[] = [];
  readonly registerInitial = new Map<string, RegisterInitial>();
  readonly creates: CreateAttempt[] = [];
  /** The sequential-create nodes are named setPrefix + 10 digits. */
  setPrefix = "item-";
  setListing: ListedNode[] = [];
  readonly ephemeralCreates: EphemeralCreate[] = [];
  readonly sessions: EphemeralSession[] = [];
  ephemeralListing: ListedEphemeral[] = [];
  readonly nemesis: NemesisEvent[] = [];
  /** Answers no correct server gives these workloads. */
  readonly anomalies: string[] = [];
  /** Set when the final listings were read; sessions are judged against this instant. */
  listedAtMs = -1;

  /** Milliseconds since the run began, monotonic. */
  now(): number {
    return performance.now() - this.originMs;
  }

  noteNemesis(action: string, target: string): void {
    this.nemesis.push({ atMs: Math.round(this.now()), action, target });
  }

  noteAnomaly(what: string, error: unknown): void {
    this.anomalies.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  }

  /** A history saved by save(), to check it again (run-fault.js --check). */
  static load(path: string): FaultHistory {
    const saved = JSON.parse(readFileSync(path, "utf8"));
    const h = new FaultHistory();
    h.register.push(...saved.register);
    for (const [key, initial] of Object.entries(saved.registerInitial)) {
      h.registerInitial.set(key, initial as RegisterInitial);
    }
    h.creates.push(...saved.creates);
    h.setPrefix = saved.setPrefix;
    h.setListing = saved.setListing;
    h.ephemeralCreates.push(...saved.ephemeralCreates);
    h.sessions.push(...saved.sessions);
    h.ephemeralListing = saved.ephemeralListing;
    h.nemesis.push(...saved.nemesis);
    h.anomalies.push(...saved.anomalies);
    h.listedAtMs = saved.listedAtMs;
    return h;
  }

  save(path: string): void {
    writeFileSync(
      path,
      JSON.stringify({
        register: this.register,
        registerInitial: Object.fromEntries(this.registerInitial),
        creates: this.creates,
        setPrefix: this.setPrefix,
        setListing: this.setListing,
        ephemeralCreates: this.ephemeralCreates,
        sessions: this.sessions,
        ephemeralListing: this.ephemeralListing,
        nemesis: this.nemesis,
        anomalies: this.anomalies,
        listedAtMs: this.listedAtMs,
      }),
    );
  }
}

export interface FaultVerdict {
  ok: boolean;
  register: LinearizabilityResult;
  set: SetCheckResult;
  ephemerals: EphemeralCheckResult;
  anomalies: string[];
  checkMs: number;
  /** Counts for reports: operations by kind and outcome, faults by action. */
  figures: Record<string, number>;
}

export function checkFaultHistory(history: FaultHistory, stepsMax?: number): FaultVerdict {
  const started = performance.now();
  const register = checkLinearizable(
    history.register,
    (key, ops) => {
      const initial = history.registerInitial.get(key);
      if (initial === undefined) throw new Error(`no initial state for register ${key}`);
      return registerModel(initial, ops);
    },
    { stepsMax },
  );
  const set = checkSequentialCreates(history.creates, history.setListing, history.setPrefix);
  const ephemerals = checkEphemerals(
    history.sessions,
    history.ephemeralCreates,
    history.ephemeralListing,
  );
  const checkMs = performance.now() - started;
  const figures: Record<string, number> = {};
  const count = (name: string): void => {
    figures[name] = (figures[name] ?? 0) + 1;
  };
  for (const op of history.register) {
    const kind = op.input.f === "read" ? "read" : op.input.expectedVersion === -1 ? "write" : "cas";
    const result = op.outcome === "ok" ? op.output!.f : op.outcome;
    count(`register.${kind}.${result}`);
  }
  for (const c of history.creates) count(`set.create.${c.outcome}`);
  for (const c of history.ephemeralCreates) count(`ephemeral.create.${c.outcome}`);
  for (const s of history.sessions) count(`session.${s.fate}`);
  for (const e of history.nemesis) count(`nemesis.${e.action}`);
  return {
    ok:
      register.verdict === "linearizable" &&
      set.ok &&
      ephemerals.ok &&
      history.anomalies.length === 0,
    register,
    set,
    ephemerals,
    anomalies: history.anomalies,
    checkMs,
    figures,
  };
}

/** A few lines for a test failure or a run log. */
export function describeVerdict(v: FaultVerdict, history?: FaultHistory): string {
  const lines = [
    `register: ${v.register.verdict} (${v.register.keys.length} keys, ${v.register.steps} steps)`,
    `set: ${v.set.ok ? "ok" : "VIOLATED"} (${v.set.acknowledged} acknowledged, ${v.set.listed} listed)`,
    `ephemerals: ${v.ephemerals.ok ? "ok" : "VIOLATED"} (${v.ephemerals.mustBePresent} must be present, ${v.ephemerals.goneWithSession} gone with their session)`,
    `checked in ${v.checkMs.toFixed(0)} ms`,
  ];
  for (const k of v.register.keys) {
    if (k.verdict === "linearizable") continue;
    lines.push(`  ${k.key}: ${k.verdict} after ${k.steps} steps`);
    const w = k.witness;
    if (w === undefined || history === undefined) continue;
    lines.push(`    longest linearization (${w.linearized.length} ops), its end:`);
    for (const i of w.linearized.slice(-5)) lines.push(`      ${describeOp(history.register[i])}`);
    lines.push(`    then the register is ${w.state}, and this cannot follow:`);
    lines.push(`      ${describeOp(history.register[w.blockedOp])}`);
  }
  for (const x of [...v.set.violations, ...v.ephemerals.violations]) {
    lines.push(`  ${x.kind}: ${x.detail}`);
  }
  for (const a of v.anomalies) lines.push(`  anomaly: ${a}`);
  lines.push(`figures: ${JSON.stringify(v.figures)}`);
  return lines.join("\n");
}

/** One register operation as a line: who, when, what, and what came back. */
export function describeOp(op: RegisterOp): string {
  const input =
    op.input.f === "read"
      ? "read"
      : `setData(${JSON.stringify(op.input.value)}, ${op.input.expectedVersion})`;
  const span = `[${op.invokeMs.toFixed(1)}, ${op.completeMs === undefined ? "never" : op.completeMs.toFixed(1)}]`;
  const out = op.outcome === "ok" ? JSON.stringify(op.output) : op.outcome;
  return `client ${op.client} ${span} ${input} -> ${out}`;
}
