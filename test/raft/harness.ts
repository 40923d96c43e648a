// A tiny synchronous cluster for unit tests: members with an in-memory "disk" that persists
// each Ready at once, and a network that delivers every message in order unless a test
// cuts a link or drops messages. Tests drive it step by step to reproduce the paper's
// scenarios exactly.

import { makeConf } from "../../src/raft/conf-state.js";
import type { PlantedBug } from "../../src/raft/config.js";
import { initialState, type PersistedState, RaftNode } from "../../src/raft/node.js";
import type {
  ConfState,
  Entry,
  HardState,
  Message,
  NodeId,
  ReadState,
  Snapshot,
} from "../../src/raft/types.js";
import { Prng } from "../../src/sim/prng.js";

export interface Disk {
  hardState: HardState;
  snapshot: Snapshot;
  entries: Entry[];
}

export class TestMember {
  node: RaftNode;
  readonly disk: Disk;
  applied: Entry[] = [];
  readStates: ReadState[] = [];
  installed: Snapshot[] = [];

  constructor(
    readonly id: NodeId,
    readonly options: Record<string, unknown>,
    state: PersistedState,
  ) {
    this.disk = {
      hardState: state.hardState,
      snapshot: state.snapshot,
      entries: [...state.entries],
    };
    this.node = this.boot();
  }

  boot(): RaftNode {
    this.node = new RaftNode(
      { id: this.id, random: new Prng(this.id), ...this.options },
      {
        hardState: this.disk.hardState,
        snapshot: this.disk.snapshot,
        entries: this.disk.entries.filter((e) => e.index > this.disk.snapshot.meta.index),
      },
    );
    return this.node;
  }

  /** Runs one Ready cycle: persist, apply, advance. Returns the messages to send. */
  cycle(): Message[] {
    if (!this.node.hasReady()) return [];
    const rd = this.node.ready();
    if (rd.snapshot !== null) {
      this.disk.snapshot = rd.snapshot;
      this.disk.entries = [];
      this.installed.push(rd.snapshot);
    }
    if (rd.hardState !== null) this.disk.hardState = rd.hardState;
    if (rd.entries.length > 0) {
      const first = rd.entries[0].index;
      this.disk.entries = this.disk.entries.filter((e) => e.index < first).concat(rd.entries);
    }
    this.applied.push(...rd.committed);
    this.readStates.push(...rd.readStates);
    const out = [...rd.messages];
    this.node.advance();
    return out;
  }
}

export class TestCluster {
  readonly members = new Map<NodeId, TestMember>();
  /** Links cut: "from>to". */
  readonly cut = new Set<string>();
  /** Messages in flight, delivered in order by deliverAll(). */
  queue: Message[] = [];
  /** Optional filter: return false to drop a message. */
  filter: ((m: Message) => boolean) | null = null;

  constructor(
    ids: readonly NodeId[],
    options: Record<string, unknown> = {},
    conf: ConfState = makeConf(ids),
  ) {
    for (const id of ids) this.add(id, options, initialState(conf));
  }

  add(id: NodeId, options: Record<string, unknown>, state: PersistedState): TestMember {
    const m = new TestMember(id, { electionTicks: 10, heartbeatTicks: 1, ...options }, state);
    this.members.set(id, m);
    return m;
  }

  get(id: NodeId): TestMember {
    return this.members.get(id)!;
  }

  node(id: NodeId): RaftNode {
    return this.get(id).node;
  }

  isolate(id: NodeId): void {
    for (const other of this.members.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  /** Collects every member's Ready output into the queue. */
  collect(): void {
    for (const m of this.members.values()) {
      for (;;) {
        const out = m.cycle();
        if (out.length === 0 && !m.node.hasReady()) break;
        this.queue.push(...out);
      }
    }
  }

  /** Delivers messages until the network is quiet (bounded). */
  deliverAll(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      this.collect();
      if (this.queue.length === 0) return;
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) {
        if (this.cut.has(`${m.from}>${m.to}`)) continue;
        if (this.filter !== null && !this.filter(m)) continue;
        const target = this.members.get(m.to);
        if (target !== undefined) target.node.step(m);
      }
    }
    throw new Error("network did not quiet down");
  }

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) this.node(id).tick();
  }

  /** Ticks every member `times` times, delivering after each round. */
  tickAll(times: number): void {
    for (let i = 0; i < times; i++) {
      for (const m of this.members.values()) m.node.tick();
      this.deliverAll();
    }
  }

  /** Makes `id` campaign (past its randomized timeout) and delivers. */
  elect(id: NodeId): void {
    this.tick(id, 20);
    this.deliverAll();
  }

  propose(id: NodeId, text: string): void {
    const r = this.node(id).propose(new TextEncoder().encode(text));
    if (!r.ok) throw new Error(`propose at ${id}: ${r.reason}`);
    this.deliverAll();
  }
}

export function text(e: Entry): string {
  return new TextDecoder().decode(e.data);
}

export function planted(bug: PlantedBug): Record<string, unknown> {
  return { plantedBug: bug };
}
