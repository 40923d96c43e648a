// A ZooKeeper znode used as a versioned register: the sequential model the linearizability
// checker runs a compare-and-set history through. Pure.
//
// - read returns the data and the data version (getData's stat.version);
// - write(value, expectedVersion) is setData: with expectedVersion -1 it always succeeds,
//   otherwise only when the node's version equals it; success sets the data and returns the
//   new version, which is always the old one plus one; a mismatch returns BadVersion and
//   changes nothing.
//
// The node exists before the history starts (the workload creates it first), with a known
// value and version. A state is (value, version) packed into one number: the value's index
// plus the version times 2^21, exact while versions stay below 2^32. Index 0 is the initial
// value; every written value that no read ever returned shares index 1, since no
// observation can tell them apart (a read returning "some value nobody read" cannot
// exist), and that sharing is what makes lost writes of unread values interchangeable.
import type { HistoryOp, SequentialModel } from "./linearizability.js";

export type RegisterInput =
  | { f: "read" }
  | {
      f: "write";
      value: string;
      /** -1 writes unconditionally, as setData does. */
      expectedVersion: number;
    };

export type RegisterOutput =
  | { f: "read"; value: string; version: number }
  | { f: "written"; version: number }
  | { f: "badVersion" };

export type RegisterOp = HistoryOp<RegisterInput, RegisterOutput>;

export interface RegisterInitial {
  value: string;
  version: number;
}

const valueSlots = 2 ** 21;
const unreadValue = 1;

/** Builds the model of one key from the values its history writes. */
export function registerModel(
  initial: RegisterInitial,
  ops: readonly RegisterOp[],
): SequentialModel<RegisterInput, RegisterOutput> {
  const observed = new Set<string>();
  for (const op of ops) {
    if (op.outcome === "ok" && op.output?.f === "read") observed.add(op.output.value);
  }
  const ids = new Map<string, number>([[initial.value, 0]]);
  const values = [initial.value, "(a value no read returned)"];
  for (const op of ops) {
    if (op.input.f !== "write" || ids.has(op.input.value)) continue;
    if (observed.has(op.input.value)) {
      ids.set(op.input.value, values.length);
      values.push(op.input.value);
    } else {
      ids.set(op.input.value, unreadValue);
    }
  }
  if (values.length > valueSlots) throw new Error("too many distinct values for one key");
  const pack = (valueId: number, version: number): number => version * valueSlots + valueId;
  const versionOf = (state: number): number => Math.floor(state / valueSlots);
  const valueIdOf = (state: number): number => state % valueSlots;

  return {
    initialState: pack(0, initial.version),
    step(state, input, output) {
      const version = versionOf(state);
      if (input.f === "read") {
        if (output.f !== "read" || output.version !== version) return -1;
        return ids.get(output.value) === valueIdOf(state) ? state : -1;
      }
      const matches = input.expectedVersion === -1 || input.expectedVersion === version;
      if (output.f === "written") {
        if (!matches || output.version !== version + 1) return -1;
        return pack(ids.get(input.value)!, version + 1);
      }
      if (output.f === "badVersion") return matches ? -1 : state;
      return -1;
    },
    stepUnobserved(state, input) {
      if (input.f === "read") return -1;
      const version = versionOf(state);
      if (input.expectedVersion !== -1 && input.expectedVersion !== version) return -1;
      return pack(ids.get(input.value)!, version + 1);
    },
    effectless: (input) => input.f === "read",
    // Lost writes of unread values from the same expected version are interchangeable.
    symmetryClass: (input) =>
      input.f === "write" && ids.get(input.value) === unreadValue ? input.expectedVersion + 1 : -1,
    describeState: (state) =>
      `value ${JSON.stringify(values[valueIdOf(state)])} version ${versionOf(state)}`,
  };
}
