// A linearizability checker for client histories (Wing & Gong's search with Lowe's
// memoisation, as Porcupine and Knossos do it). Pure: no I/O, no clock, no randomness.
//
// A history is a list of operations, each with the time its client invoked it and, when it
// completed, the time it completed and what it returned. The history is linearizable when
// every operation can be given one instant between its invocation and its completion such
// that running the operations one at a time, in the order of those instants, through the
// sequential model produces every observed output.
//
// Outcomes:
// - ok: completed with an output the model must explain (a BadVersion answer is an output
//   too: it says the version differed at the instant the write took effect);
// - failed: surely had no effect (for example refused before it was sent); it constrains
//   nothing and is left out;
// - indeterminate: a timeout or a lost connection; it may have taken effect at any instant
//   after its invocation, or never, and its completion is "never". Such an operation is
//   optional in the search: it may be linearized wherever it would change the state, or
//   not at all. Linearizing it where it changes nothing is never needed (its completion is
//   infinitely late, so leaving it out constrains nothing), which keeps the search small.
//
// The search walks a list of call and return events in time order. At a call it tries to
// linearize that operation now (the model accepts it in the current state); at a return
// whose call is not yet linearized it backtracks. Every configuration reached, (set of
// linearized operations, model state), is remembered: reaching one again cannot succeed
// where the first visit failed, so it is skipped. Operations on different keys are
// independent (linearizability is compositional), so each key is searched on its own.
// Interchangeable indeterminate operations (say, two lost unconditional writes of values
// nobody ever read) would make the search try every subset of them; it places them only in
// the order of their invocations instead, which loses nothing: whenever a later one could
// take effect, so could the earlier one, with the same result, and neither has a completion
// that could force it earlier. A budget of search steps bounds the work: a history too tangled to decide within it is
// reported "unknown" instead of hanging the caller.

export type Outcome = "ok" | "failed" | "indeterminate";

export interface HistoryOp<I, O> {
  /** Operations on different keys are checked independently. */
  key: string;
  /** Who invoked it (for reports only). */
  client: number;
  input: I;
  invokeMs: number;
  outcome: Outcome;
  /** When an ok operation completed (must not precede invokeMs). */
  completeMs?: number;
  /** What an ok operation returned. */
  output?: O;
}

/**
 * A sequential specification. States are small non-negative integers (exact below 2^53),
 * so configurations can be remembered without allocating an object per state.
 */
export interface SequentialModel<I, O> {
  readonly initialState: number;
  /** The state after `input` returned `output` in `state`, or -1 if it cannot have. */
  step(state: number, input: I, output: O): number;
  /**
   * The state after `input` took effect in `state` with its output unknown, or -1 when it
   * would change nothing there (then it is not worth linearizing at that point).
   */
  stepUnobserved(state: number, input: I): number;
  /** Whether an indeterminate operation with this input can never matter (a read). */
  effectless(input: I): boolean;
  /**
   * Indeterminate operations with the same class number (>= 0) are interchangeable: in any
   * state where one may take effect, each would give the same next state. -1: no class.
   */
  symmetryClass(input: I): number;
  describeState(state: number): string;
}

export type Verdict = "linearizable" | "illegal" | "unknown";

export interface KeyVerdict {
  key: string;
  verdict: Verdict;
  /** Operations searched (indeterminate reads and failed operations are left out). */
  opCount: number;
  steps: number;
  /** Distinct configurations remembered. */
  configurations: number;
  /**
   * For an illegal key: the longest linearization found (indices into the caller's array,
   * in linearization order), the operation whose completion could not be explained after
   * it, and the model state there.
   */
  witness?: { linearized: number[]; blockedOp: number; state: string };
}

export interface LinearizabilityResult {
  verdict: Verdict;
  keys: KeyVerdict[];
  steps: number;
}

export interface CheckOptions {
  /** Search steps allowed for the whole history before answering "unknown". */
  stepsMax?: number;
}

const defaultStepsMax = 5_000_000;

/**
 * Checks a history against one model per key. Throws on a malformed history (an ok
 * operation without output or completing before its invocation): that is a harness bug,
 * not a verdict about the system.
 */
export function checkLinearizable<I, O>(
  history: readonly HistoryOp<I, O>[],
  modelFor: (key: string, ops: readonly HistoryOp<I, O>[]) => SequentialModel<I, O>,
  options: CheckOptions = {},
): LinearizabilityResult {
  const byKey = new Map<string, number[]>();
  for (let i = 0; i < history.length; i++) {
    const op = history[i];
    if (op.outcome === "ok") {
      if (op.output === undefined || op.completeMs === undefined) {
        throw new Error(`operation ${i} is ok but has no output or completion time`);
      }
      if (op.completeMs < op.invokeMs) {
        throw new Error(`operation ${i} completes (${op.completeMs}) before it is invoked`);
      }
    }
    let list = byKey.get(op.key);
    if (list === undefined) {
      list = [];
      byKey.set(op.key, list);
    }
    list.push(i);
  }
  let stepsLeft = options.stepsMax ?? defaultStepsMax;
  const keys: KeyVerdict[] = [];
  let verdict: Verdict = "linearizable";
  for (const [key, indices] of [...byKey].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const ops = indices.map((i) => history[i]);
    const model = modelFor(key, ops);
    const kept = indices.filter((i) => {
      const op = history[i];
      if (op.outcome === "failed") return false;
      return op.outcome === "ok" || !model.effectless(op.input);
    });
    const result = searchKey(key, history, kept, model, stepsLeft);
    stepsLeft -= result.steps;
    keys.push(result);
    if (result.verdict === "illegal") verdict = "illegal";
    else if (result.verdict === "unknown" && verdict === "linearizable") verdict = "unknown";
  }
  const steps = keys.reduce((sum, k) => sum + k.steps, 0);
  return { verdict, keys, steps };
}

/** One event of the search list: the call or the return of an operation. */
interface EventNode {
  /** Index of the operation among the key's kept operations. */
  op: number;
  isCall: boolean;
  timeMs: number;
  /** For a call: its return, or null for an indeterminate operation. */
  match: EventNode | null;
  prev: EventNode | null;
  next: EventNode | null;
}

function searchKey<I, O>(
  key: string,
  history: readonly HistoryOp<I, O>[],
  kept: readonly number[],
  model: SequentialModel<I, O>,
  stepsMax: number,
): KeyVerdict {
  const n = kept.length;
  const head = buildEventList(history, kept);
  const memo = new ConfigurationMemo(n);
  const classPredecessor = interchangeablePredecessors(history, kept, model);
  let returnsLeft = 0;
  for (const i of kept) if (history[i].outcome === "ok") returnsLeft++;

  // The stack of linearized calls and the state before each.
  const stackNode: EventNode[] = [];
  const stackState: number[] = [];
  let state = model.initialState;
  let steps = 0;
  let bestDepth = -1;
  let bestPrefix: number[] = [];
  let bestBlocked = -1;
  let bestState = state;

  let entry = head.next;
  while (returnsLeft > 0) {
    if (steps++ >= stepsMax) {
      return {
        key,
        verdict: "unknown",
        opCount: n,
        steps,
        configurations: memo.size,
      };
    }
    if (entry?.isCall) {
      const op = history[kept[entry.op]];
      const predecessor = classPredecessor[entry.op];
      const next =
        op.outcome === "ok"
          ? model.step(state, op.input, op.output as O)
          : predecessor >= 0 && !memo.has(predecessor)
            ? -1
            : model.stepUnobserved(state, op.input);
      if (next >= 0 && memo.addWith(entry.op, next)) {
        stackNode.push(entry);
        stackState.push(state);
        state = next;
        lift(entry);
        if (entry.match !== null) returnsLeft--;
        entry = head.next;
        continue;
      }
      entry = entry.next;
      continue;
    }
    // A return whose call is not linearized yet (or, defensively, the end of the list):
    // nothing before it can be linearized in a new way, so undo the latest choice.
    if (stackNode.length > bestDepth && entry !== null) {
      bestDepth = stackNode.length;
      bestPrefix = stackNode.map((e) => kept[e.op]);
      bestBlocked = kept[entry.op];
      bestState = state;
    }
    const top = stackNode.pop();
    if (top === undefined) {
      return {
        key,
        verdict: "illegal",
        opCount: n,
        steps,
        configurations: memo.size,
        witness: {
          linearized: bestPrefix,
          blockedOp: bestBlocked,
          state: model.describeState(bestState),
        },
      };
    }
    state = stackState.pop()!;
    memo.unmark(top.op);
    unlift(top);
    if (top.match !== null) returnsLeft++;
    entry = top.next;
  }
  return { key, verdict: "linearizable", opCount: n, steps, configurations: memo.size };
}

/**
 * For each kept indeterminate operation with a symmetry class, the class member invoked
 * just before it (an index among the kept operations), or -1: it may only be linearized
 * after that one.
 */
function interchangeablePredecessors<I, O>(
  history: readonly HistoryOp<I, O>[],
  kept: readonly number[],
  model: SequentialModel<I, O>,
): Int32Array {
  const predecessor = new Int32Array(kept.length).fill(-1);
  const order = kept.map((_, k) => k).filter((k) => history[kept[k]].outcome === "indeterminate");
  order.sort((a, b) => history[kept[a]].invokeMs - history[kept[b]].invokeMs || a - b);
  const lastOfClass = new Map<number, number>();
  for (const k of order) {
    const c = model.symmetryClass(history[kept[k]].input);
    if (c < 0) continue;
    const last = lastOfClass.get(c);
    if (last !== undefined) predecessor[k] = last;
    lastOfClass.set(c, k);
  }
  return predecessor;
}

/**
 * The events of the kept operations in time order, behind a sentinel head. At equal times
 * a call sorts before a return, so operations that touch are treated as concurrent: the
 * checker never rejects a history because of a tie in the clock.
 */
function buildEventList<I, O>(history: readonly HistoryOp<I, O>[], kept: readonly number[]) {
  const events: EventNode[] = [];
  for (let k = 0; k < kept.length; k++) {
    const op = history[kept[k]];
    const call: EventNode = {
      op: k,
      isCall: true,
      timeMs: op.invokeMs,
      match: null,
      prev: null,
      next: null,
    };
    events.push(call);
    if (op.outcome === "ok") {
      const ret: EventNode = {
        op: k,
        isCall: false,
        timeMs: op.completeMs!,
        match: null,
        prev: null,
        next: null,
      };
      call.match = ret;
      events.push(ret);
    }
  }
  events.sort((a, b) => a.timeMs - b.timeMs || (a.isCall === b.isCall ? 0 : a.isCall ? -1 : 1));
  const head: EventNode = {
    op: -1,
    isCall: false,
    timeMs: -Infinity,
    match: null,
    prev: null,
    next: null,
  };
  let last = head;
  for (const e of events) {
    last.next = e;
    e.prev = last;
    last = e;
  }
  return head;
}

/** Takes a linearized call (and its return) out of the list. */
function lift(call: EventNode): void {
  call.prev!.next = call.next;
  if (call.next !== null) call.next.prev = call.prev;
  const ret = call.match;
  if (ret !== null) {
    ret.prev!.next = ret.next;
    if (ret.next !== null) ret.next.prev = ret.prev;
  }
}

/** Puts a call (and its return) back where they were; the exact inverse of lift. */
function unlift(call: EventNode): void {
  const ret = call.match;
  if (ret !== null) {
    ret.prev!.next = ret;
    if (ret.next !== null) ret.next.prev = ret;
  }
  call.prev!.next = call;
  if (call.next !== null) call.next.prev = call;
}

/**
 * The configurations visited: a bit set of linearized operations plus the model state.
 * Sets are stored back to back in one growing word array and chained per hash, so a
 * configuration costs a few words, not an object. The hash of the current set is kept up
 * to date by XOR with a fixed pseudo-random number per operation (Zobrist hashing).
 */
class ConfigurationMemo {
  private readonly words: number;
  private readonly current: Uint32Array;
  private readonly opHash: Uint32Array;
  private currentHash = 0;
  private sets: Uint32Array;
  private states: Float64Array;
  private chain: Int32Array;
  private readonly heads = new Map<number, number>();
  size = 0;

  constructor(opCount: number) {
    this.words = Math.max(1, Math.ceil(opCount / 32));
    this.current = new Uint32Array(this.words);
    this.opHash = new Uint32Array(opCount);
    let s = 0x9e3779b9;
    for (let i = 0; i < opCount; i++) {
      s = (s + 0x6d2b79f5) | 0;
      let t = Math.imul(s ^ (s >>> 15), s | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      this.opHash[i] = (t ^ (t >>> 14)) >>> 0;
    }
    const capacity = 1024;
    this.sets = new Uint32Array(capacity * this.words);
    this.states = new Float64Array(capacity);
    this.chain = new Int32Array(capacity);
  }

  /**
   * Marks `op` linearized with the model then in `state`. Returns false (and leaves the set
   * unchanged) when that configuration was visited before.
   */
  addWith(op: number, state: number): boolean {
    const w = op >>> 5;
    const bit = 1 << (op & 31);
    this.current[w] |= bit;
    const setHash = (this.currentHash ^ this.opHash[op]) >>> 0;
    const h = (setHash ^ Math.imul(mixState(state), 0x27d4eb2d)) >>> 0;
    const first = this.heads.get(h);
    for (let c = first ?? -1; c >= 0; c = this.chain[c]) {
      if (this.states[c] === state && this.sameSet(c)) {
        this.current[w] &= ~bit;
        return false;
      }
    }
    this.store(state, first ?? -1, h);
    this.currentHash = setHash;
    return true;
  }

  /** Whether `op` is linearized in the current configuration. */
  has(op: number): boolean {
    return (this.current[op >>> 5] & (1 << (op & 31))) !== 0;
  }

  /** Undoes addWith for a backtracked operation (the configuration stays remembered). */
  unmark(op: number): void {
    this.current[op >>> 5] &= ~(1 << (op & 31));
    this.currentHash = (this.currentHash ^ this.opHash[op]) >>> 0;
  }

  private sameSet(c: number): boolean {
    const base = c * this.words;
    for (let i = 0; i < this.words; i++) {
      if (this.sets[base + i] !== this.current[i]) return false;
    }
    return true;
  }

  private store(state: number, next: number, h: number): void {
    if (this.size === this.states.length) this.grow();
    const c = this.size++;
    this.sets.set(this.current, c * this.words);
    this.states[c] = state;
    this.chain[c] = next;
    this.heads.set(h, c);
  }

  private grow(): void {
    const capacity = this.states.length * 2;
    const sets = new Uint32Array(capacity * this.words);
    sets.set(this.sets);
    this.sets = sets;
    const states = new Float64Array(capacity);
    states.set(this.states);
    this.states = states;
    const chain = new Int32Array(capacity);
    chain.set(this.chain);
    this.chain = chain;
  }
}

function mixState(state: number): number {
  const lo = (state % 0x100000000) | 0;
  const hi = Math.floor(state / 0x100000000) | 0;
  return (lo ^ Math.imul(hi, 0x85ebca6b)) | 0;
}
