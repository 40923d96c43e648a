// The namespace the state benchmarks build: /bench/p<i>/n<j> with 1000 children per parent,
// the shape of a typical large namespace, each znode with 100 bytes of data, created through
// apply() exactly as committed log entries would be, by one session.
import { OpCode } from "../src/protocol/constants.js";
import type { ACL, Id } from "../src/protocol/records.js";
import { apply } from "../src/state/apply.js";
import { type Entry, EntryKind, type WriteOp } from "../src/state/entry.js";
import { State } from "../src/state/state.js";

export const perParent = 1000;
export const openAcl: ACL[] = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
export const benchIds: Id[] = [{ scheme: "ip", id: "127.0.0.1" }];
export const benchData = new Uint8Array(100).fill(0x61);
export const benchTimeMs = 1_700_000_000_000;

export type WriteEntry = Entry & { kind: typeof EntryKind.write };

export class BenchState {
  readonly state = State.fresh();
  zxid = 0;
  readonly session: number;

  constructor() {
    this.run({
      kind: EntryKind.createSession,
      timeMs: benchTimeMs,
      timeoutMs: 30000,
      password: new Uint8Array(16),
    });
    this.session = this.zxid;
    this.write(this.createEntry("/bench"));
  }

  /** Applies the next entry; a failed write is a bug in the benchmark. */
  run(entry: Entry): void {
    this.zxid++;
    const out = apply(this.state, this.zxid, entry);
    if (out.result.err !== 0) throw new Error(`entry ${this.zxid} failed: ${out.result.err}`);
  }

  write(entry: WriteEntry): void {
    this.run(entry);
  }

  writeEntry(op: WriteOp): WriteEntry {
    return {
      kind: EntryKind.write,
      timeMs: benchTimeMs + this.zxid,
      sessionId: this.session,
      authIds: benchIds,
      op,
    };
  }

  createEntry(path: string): WriteEntry {
    return this.writeEntry({
      type: OpCode.create,
      request: { path, data: benchData, acl: openAcl, flags: 0 },
    });
  }

  /** Creates the parents for `count` znodes. */
  createParents(count: number): void {
    for (let p = 0; p * perParent < count; p++) this.write(this.createEntry(`/bench/p${p}`));
  }
}

export function benchPath(i: number): string {
  return `/bench/p${Math.floor(i / perParent)}/n${i % perParent}`;
}
