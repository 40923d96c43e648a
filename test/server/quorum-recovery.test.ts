// Proves the quorum-loss rewrite (server/quorum-recovery.ts) on real files: every entry in
// the survivor's log becomes part of its new snapshot, including entries past the commit
// index it knew (the lost quorum may have committed them), whether the log starts at the
// beginning or after a snapshot; the snapshot carries the new configuration, the log is
// dropped, the hard state forgets the old vote in a new term and counts the snapshot committed; running it
// again changes nothing; data holding nothing, or a seed outside the new voters, is refused
// with nothing written; and the seed picked among several survivors holds what each of them
// recorded as committed and is, among those, the most advanced by Raft's order (term, index).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { NodeDisk } from "../../src/io/node-disk.js";
import { OpCode } from "../../src/protocol/constants.js";
import { decodeConfState } from "../../src/raft/conf-state.js";
import { EntryKind as RaftEntryKind } from "../../src/raft/types.js";
import { writeEnvelope } from "../../src/server/entry-envelope.js";
import {
  type LogSummary,
  type MemberDataDirs,
  type MemberLog,
  mostAdvanced,
  pickSeed,
  rewriteAsSeed,
  type SeedRewrite,
  stateThroughLog,
} from "../../src/server/quorum-recovery.js";
import { ByteWriter } from "../../src/state/bytes.js";
import { type Entry, EntryKind } from "../../src/state/entry.js";
import { encodeEntry } from "../../src/state/entry-codec.js";
import { decodeSnapshot } from "../../src/state/snapshot.js";
import { encodeSnapshot } from "../../src/state/snapshot-writer.js";
import type { State } from "../../src/state/state.js";
import { openStorage, type Recovered, type Storage } from "../../src/storage/storage.js";
import { RecordingLogger } from "../storage/harness.js";

const root = mkdtempSync(join(tmpdir(), "corral-quorum-recovery-"));
after(() => rmSync(root, { recursive: true, force: true }));
let dirCount = 0;

const open = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function dirs(): MemberDataDirs {
  const dir = join(root, `m${++dirCount}`);
  return { disk: new NodeDisk(), dataDir: dir, dataLogDir: dir, logger: new RecordingLogger() };
}

function openAt(d: MemberDataDirs): Promise<{ storage: Storage; recovered: Recovered }> {
  return new Promise((resolve, reject) =>
    openStorage(
      { disk: d.disk, logDir: d.dataLogDir, snapDir: d.dataDir, logger: d.logger },
      (e, s, r) =>
        e || s === null || r === null ? reject(e) : resolve({ storage: s, recovered: r }),
    ),
  );
}

const done = (run: (cb: (e: Error | null) => void) => void): Promise<void> =>
  new Promise((resolve, reject) => run((e) => (e ? reject(e) : resolve())));

/** The state entries of a small history; some enveloped as members propose them. */
function stateEntry(entry: Entry, enveloped: boolean): Uint8Array {
  const w = new ByteWriter();
  if (enveloped) writeEnvelope(w, { member: 2, incarnation: 7 }, 1);
  return Uint8Array.from(encodeEntry(entry, w));
}

const history: { term: number; kind: number; data: Uint8Array }[] = [
  {
    term: 1,
    kind: RaftEntryKind.normal,
    data: stateEntry(
      {
        kind: EntryKind.createSession,
        timeMs: 1000,
        timeoutMs: 4000,
        password: new Uint8Array(16),
      },
      false,
    ),
  },
  { term: 2, kind: RaftEntryKind.noOp, data: new Uint8Array(0) },
  ...["/a", "/b"].map((path) => ({
    term: 2,
    kind: RaftEntryKind.normal,
    data: stateEntry(
      {
        kind: EntryKind.write,
        timeMs: 2000,
        sessionId: 1,
        authIds: [],
        op: { type: OpCode.create, request: { path, data: text(path), acl: open, flags: 0 } },
      },
      true,
    ),
  })),
  {
    term: 2,
    kind: RaftEntryKind.normal,
    data: stateEntry(
      {
        kind: EntryKind.write,
        timeMs: 3000,
        sessionId: 1,
        authIds: [],
        op: { type: OpCode.setData, request: { path: "/a", data: text("last"), version: -1 } },
      },
      true,
    ),
  },
];

/**
 * A stopped member's data: the history's entries, a hard state that knew only `commit`
 * committed and voted for member 3, and optionally a snapshot at `snapshotAt`.
 */
async function survivor(commit: number, snapshotAt = 0): Promise<MemberDataDirs> {
  const d = dirs();
  const { storage } = await openAt(d);
  for (let i = 0; i < history.length; i++) {
    const e = history[i];
    await done((cb) => storage.append(i + 1, e.term, e.kind, e.data, cb));
  }
  await done((cb) => storage.saveHardState({ term: 2, vote: 3, commit }, cb));
  if (snapshotAt > 0) {
    const { recovered } = await openAt({ ...d, logger: new RecordingLogger() });
    const upTo = { ...recovered, entries: recovered.entries.slice(0, snapshotAt) };
    const image = encodeSnapshot(stateThroughLog(upTo, {}));
    const meta = {
      lastIndex: snapshotAt,
      lastTerm: history[snapshotAt - 1].term,
      config: new Uint8Array(8),
    };
    await done((cb) => storage.saveSnapshot(meta, image, cb));
  }
  await done((cb) => storage.close(cb));
  return d;
}

function rewrite(d: MemberDataDirs, voters = [1, 4, 5]): Promise<SeedRewrite> {
  return new Promise((resolve, reject) =>
    rewriteAsSeed(
      { ...d, self: 1, conf: { voters, learners: [] }, stateOptions: {} },
      (e, result) => (e || result === null ? reject(e) : resolve(result)),
    ),
  );
}

const dataOf = (state: State, path: string): string | null | undefined =>
  state.tree.get(path)?.data;

async function assertSeeded(d: MemberDataDirs): Promise<void> {
  const { storage, recovered } = await openAt({ ...d, logger: new RecordingLogger() });
  await done((cb) => storage.close(cb));
  assert.equal(recovered.snapshot?.meta.lastIndex, 5);
  assert.equal(recovered.snapshot?.meta.lastTerm, 2);
  assert.deepEqual(decodeConfState(recovered.snapshot!.meta.config), {
    voters: [1, 4, 5],
    learners: [],
  });
  assert.deepEqual(recovered.entries, [], "the log continues after the snapshot");
  assert.equal(recovered.hardState.vote, 0, "the old ensemble's vote is forgotten");
  assert.ok(recovered.hardState.term > 2, "in a new term");
  assert.equal(recovered.hardState.commit, 5);
  const state = decodeSnapshot(recovered.snapshot!.state);
  assert.equal(state.lastZxid, 5);
  assert.equal(dataOf(state, "/a"), "last", "the entry past the known commit index is kept");
  assert.equal(dataOf(state, "/b"), "/b");
  assert.equal(state.sessions.size, 1);
}

test("the seed's snapshot holds every entry of its log, committed or not, and the new configuration", async () => {
  const d = await survivor(3);
  const result = await rewrite(d);
  assert.equal(result.before.lastIndex, 5);
  assert.equal(result.before.commitIndex, 3);
  assert.equal(result.uncertainEntries, 2);
  assert.equal(result.snapshotIndex, 5);
  assert.equal(result.sessions, 1);
  await assertSeeded(d);
});

test("a log that starts after a snapshot is replayed from that snapshot", async () => {
  const d = await survivor(4, 3);
  const result = await rewrite(d);
  assert.equal(result.before.snapshotIndex, 3);
  assert.equal(result.uncertainEntries, 1);
  await assertSeeded(d);
});

test("running the rewrite again on its own result changes nothing", async () => {
  const d = await survivor(5);
  await rewrite(d);
  const again = await rewrite(d);
  assert.equal(again.uncertainEntries, 0);
  assert.equal(again.snapshotIndex, 5);
  await assertSeeded(d);
});

test("data holding nothing, or a seed that is not a new voter, is refused and nothing is written", async () => {
  const empty = dirs();
  mkdirSync(empty.dataDir);
  await assert.rejects(rewrite(empty), /holds no snapshot and no log/);
  assert.deepEqual(readdirSync(empty.dataDir), [], "nothing is created");
  const d = await survivor(3);
  await assert.rejects(rewrite(d, [4, 5, 6]), /not a voter of the new configuration/);
  const { storage, recovered } = await openAt({ ...d, logger: new RecordingLogger() });
  await done((cb) => storage.close(cb));
  assert.equal(recovered.snapshot, null);
  assert.equal(recovered.entries.length, 5);
});

test("the most advanced log is the one with the highest last term, then the highest last index", () => {
  const s = (lastTerm: number, lastIndex: number): LogSummary => ({
    snapshotIndex: 0,
    snapshotTerm: 0,
    lastIndex,
    lastTerm,
    commitIndex: 0,
    term: lastTerm,
  });
  assert.equal(mostAdvanced([]), -1);
  assert.equal(mostAdvanced([s(2, 10), s(3, 8)]), 1, "a later term beats a longer log");
  assert.equal(mostAdvanced([s(3, 8), s(3, 9), s(2, 20)]), 1);
  assert.equal(mostAdvanced([s(3, 9), s(3, 9)]), 0, "ties go to the first");
});

/** A survivor's log: a snapshot at `snapshotIndex` in `snapshotTerm`, then `terms`. */
function memberLog(
  snapshotIndex: number,
  snapshotTerm: number,
  terms: number[],
  commitIndex: number,
): MemberLog {
  const lastIndex = snapshotIndex + terms.length;
  const lastTerm = terms.length > 0 ? terms[terms.length - 1] : snapshotTerm;
  return {
    snapshotIndex,
    snapshotTerm,
    lastIndex,
    lastTerm,
    commitIndex,
    term: lastTerm,
    log: { snapshotIndex, snapshotTerm, terms },
    empty: false,
  };
}

test("the seed holds what every survivor recorded committed, then is the most advanced", () => {
  // b's last term is later, but a recorded index 5 (term 2) committed and b has term 3
  // there: a leader of a later term committed it, so b's entries from 5 on never were.
  const a = memberLog(0, 0, [1, 1, 2, 2, 2], 5);
  const b = memberLog(0, 0, [1, 1, 2, 2, 3, 3], 3);
  assert.equal(mostAdvanced([a, b]), 1);
  assert.equal(pickSeed([a, b]), 0);
  // b recorded index 7 committed, beyond a's end.
  const c = memberLog(0, 0, [1, 1, 2], 3);
  const d = memberLog(2, 1, [2, 2, 2, 2, 2], 7);
  assert.equal(pickSeed([c, d]), 1);
  // Agreeing logs: the most advanced wins, and an index the seed compacted is no conflict.
  const e = memberLog(4, 2, [2, 2, 3], 5);
  const f = memberLog(0, 0, [1, 1, 2, 2, 2], 3);
  assert.equal(pickSeed([f, e]), 1);
  assert.equal(pickSeed([]), -1);
});
