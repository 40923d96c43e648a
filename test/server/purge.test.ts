// When old snapshots and log segments go. The schedule on a fake clock: with
// autopurge.purgeInterval 0 a purge follows every snapshot; with N hours it runs at start and
// every N hours and never because of a snapshot, one purge at a time. Then with real
// processes on real disks: a server with purgeInterval=0 never keeps more than
// snapRetainCount snapshots, one with purgeInterval=1 lets them accumulate between timer runs
// and purges down to snapRetainCount when it starts again.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import type { Clock, TimerHandle } from "../../src/base/clock.js";
import { silentLogger } from "../../src/base/logger.js";
import { OpCode, Perm } from "../../src/protocol/constants.js";
import { PurgeSchedule } from "../../src/server/purge-schedule.js";
import { startCorralServer } from "../support/corral-server.js";
import { openSession } from "./raw-client.js";

class ManualClock implements Clock {
  now = 0;
  private timers: { at: number; id: number; cb: () => void }[] = [];
  private nextId = 1;
  nowMs(): number {
    return this.now;
  }
  monotonicMs(): number {
    return this.now;
  }
  setTimer(delayMs: number, cb: () => void): TimerHandle {
    const id = this.nextId++;
    this.timers.push({ at: this.now + delayMs, id, cb });
    return { id };
  }
  cancelTimer(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle.id);
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const t = this.timers[0];
      if (t === undefined || t.at > end) break;
      this.timers.shift();
      this.now = t.at;
      t.cb();
    }
    this.now = end;
  }
}

function schedule(hours: number) {
  const clock = new ManualClock();
  const calls: ((e: Error | null) => void)[] = [];
  const s = new PurgeSchedule({
    clock,
    logger: silentLogger,
    purgeIntervalHours: hours,
    purge: (cb) => calls.push(cb),
  });
  return { clock, calls, s };
}

test("purgeInterval 0: a purge after every snapshot, none on a timer", () => {
  const { clock, calls, s } = schedule(0);
  s.start();
  clock.advance(48 * 3_600_000);
  assert.equal(calls.length, 0);
  s.snapshotSaved();
  assert.equal(calls.length, 1);
  s.snapshotSaved();
  assert.equal(calls.length, 1, "one purge at a time");
  calls[0](null);
  s.snapshotSaved();
  assert.equal(calls.length, 2);
});

test("purgeInterval N: a purge at start and every N hours, none after snapshots", () => {
  const { clock, calls, s } = schedule(2);
  s.start();
  assert.equal(calls.length, 1, "first purge at start-up");
  calls[0](null);
  s.snapshotSaved();
  assert.equal(calls.length, 1);
  clock.advance(2 * 3_600_000 - 1);
  assert.equal(calls.length, 1);
  clock.advance(1);
  assert.equal(calls.length, 2);
  calls[1](new Error("disk says no"));
  clock.advance(2 * 3_600_000);
  assert.equal(calls.length, 3, "a failed purge does not stop the timer");
  clock.advance(2 * 3_600_000);
  assert.equal(calls.length, 3, "no second purge while one is running");
  calls[2](null);
  clock.advance(2 * 3_600_000);
  assert.equal(calls.length, 4);
  s.stop();
  clock.advance(10 * 3_600_000);
  assert.equal(calls.length, 4, "nothing after stop");
});

function snapshotFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => /^snap-\d{20}\.snap$/.test(n));
}

async function writeMany(port: number, count: number): Promise<void> {
  const { conn } = await openSession(port);
  const acl = [{ perms: Perm.all, id: { scheme: "world", id: "anyone" } }];
  for (let i = 0; i < count; i++) {
    const res = await conn.call(OpCode.create, {
      path: `/n${i}`,
      data: Buffer.from("x"),
      acl,
      flags: 0,
    });
    assert.equal(res.header.err, 0);
  }
  await conn.call(OpCode.closeSession, null);
}

test("a real server with purgeInterval=0 keeps snapRetainCount snapshots", async () => {
  const server = await startCorralServer({ extraConfig: ["snapCount=20"] });
  try {
    await writeMany(server.port, 150);
    // The last snapshot's purge may still be running: wait for its log line.
    const deadline = Date.now() + 10000;
    while (snapshotFiles(server.dataDir).length > 3 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    assert.ok(snapshotFiles(server.dataDir).length <= 3, snapshotFiles(server.dataDir).join());
  } finally {
    await server.stop();
  }
});

test("a real server with purgeInterval=1 purges at start, not after each snapshot", async () => {
  const extraConfig = ["snapCount=20", "autopurge.purgeInterval=1"];
  const first = await startCorralServer({ extraConfig });
  let dataDir = first.dataDir;
  try {
    await writeMany(first.port, 150);
    assert.ok(snapshotFiles(dataDir).length > 3, `only ${snapshotFiles(dataDir).length} snapshots`);
    await first.kill();
    const second = await startCorralServer({ extraConfig, dataDir });
    dataDir = "";
    try {
      const deadline = Date.now() + 10000;
      while (snapshotFiles(second.dataDir).length > 3 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      assert.equal(snapshotFiles(second.dataDir).length, 3);
    } finally {
      await second.stop();
    }
  } finally {
    if (dataDir !== "") await first.stop();
  }
});
