// Proves the arithmetic behind bench/admin-overhead.ts (the benchmark itself is not run in
// the tests): its command line and the nonsense it refuses, /proc/<pid>/stat parsing (a
// real line of this process, and a command name with spaces and parentheses), the A-B/B-A
// alternation, the medians, and the ratios and percentages of the summary.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  formatSummary,
  median,
  overheadDefaults,
  pairFigures,
  pairOrder,
  parseOverheadOptions,
  parseProcStat,
  type RoundFigures,
  summarise,
} from "../../bench/overhead-figures.js";

test("the command line: defaults, every option, and refusals", () => {
  assert.deepEqual(parseOverheadOptions([]), overheadDefaults);
  assert.deepEqual(
    parseOverheadOptions([
      "--rounds",
      "2",
      "--duration",
      "3.5",
      "--warmup",
      "0",
      "--workload",
      "get",
      "--clients",
      "4",
      "--outstanding",
      "16",
      "--view",
      "tree",
      "--json",
    ]),
    {
      pairs: 2,
      durationS: 3.5,
      warmupS: 0,
      workload: "get",
      clients: 4,
      outstanding: 16,
      view: "tree",
      json: true,
    },
  );
  for (const bad of [
    ["--rounds", "0"],
    ["--rounds", "1.5"],
    ["--rounds"],
    ["--duration", "0"],
    ["--duration", "x"],
    ["--warmup", "-1"],
    ["--workload", "delete"],
    ["--workload", "nope"],
    ["--view", "sessions"],
    ["--clients", "0"],
    ["--what", "1"],
  ]) {
    assert.throws(() => parseOverheadOptions(bad), Error, bad.join(" "));
  }
});

test("/proc/<pid>/stat: user plus system ticks and the parent, whatever the name", () => {
  const own = parseProcStat(readFileSync("/proc/self/stat", "latin1"));
  assert.equal(own.ppid, process.ppid);
  assert.ok(own.cpuTicks >= 0);
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  const line = "4242 (a (b) c) S 17 4242 4242 0 -1 4194560 900 0 3 0 123 45 6 7 20 0 9 0 1\n";
  assert.deepEqual(parseProcStat(line), { ppid: 17, cpuTicks: 168 });
  assert.throws(() => parseProcStat("garbage"));
});

test("pairs alternate A-B and B-A", () => {
  assert.deepEqual([0, 1, 2, 3].map(pairOrder), [
    ["A", "B"],
    ["B", "A"],
    ["A", "B"],
    ["B", "A"],
  ]);
});

test("median of odd and even counts", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

function round(
  condition: "A" | "B",
  opsPerSecond: number,
  cpuSeconds: number,
  requests: number,
): RoundFigures {
  const b = condition === "B";
  return {
    condition,
    opsPerSecond,
    ops: opsPerSecond * 10,
    errors: 0,
    p99Ms: 5,
    wallSeconds: 12,
    serverCpuSeconds: cpuSeconds,
    serverRequests: requests,
    browserCpuSeconds: b ? 0.6 : null,
    scrapes: b ? 12 : null,
    scrapeFailures: b ? 0 : null,
    scrapeMsMax: b ? 3 : null,
    polls: b ? 12 : null,
  };
}

test("the summary: per-pair ratios, their medians, overheads in percent", () => {
  const pairs = [
    // Throughput ratios 0.99, 0.97, 1.01; CPU per request ratios 1.01, 1.03, 1.00.
    pairFigures("A-B", round("A", 20_000, 10, 1_000_000), round("B", 19_800, 10.1, 1_000_000)),
    pairFigures("B-A", round("A", 30_000, 5, 500_000), round("B", 29_100, 10.3, 1_000_000)),
    pairFigures("A-B", round("A", 10_000, 2, 100_000), round("B", 10_100, 2, 100_000)),
  ];
  assert.ok(Math.abs(pairs[1].throughputRatio - 0.97) < 1e-12);
  assert.ok(Math.abs(pairs[1].cpuPerRequestRatio - 1.03) < 1e-12);
  const s = summarise({
    cores: 2,
    loadAverageStart: [0.5, 0.4, 0.3],
    loadAverageEnd: [1.5, 0.6, 0.35],
    workload: "mixed",
    clients: 8,
    outstanding: 64,
    durationS: 10,
    view: "overview",
    pairs,
  });
  assert.ok(Math.abs(s.medianThroughputRatio - 0.99) < 1e-12);
  assert.ok(Math.abs(s.throughputOverheadPercent - 1) < 1e-9);
  assert.ok(Math.abs(s.medianCpuPerRequestRatio - 1.01) < 1e-12);
  assert.ok(Math.abs(s.cpuOverheadPercent - 1) < 1e-9);
  assert.equal(s.medianOpsPerSecondA, 20_000);
  assert.equal(s.medianOpsPerSecondB, 19_800);
  assert.equal(s.medianCpuUsPerRequestA, 10);
  assert.ok(Math.abs(s.medianCpuUsPerRequestB - 10.3) < 1e-9);
  const text = formatSummary(s);
  assert.match(text, /median ratio B\/A 0\.9900: overhead 1\.00%/);
  assert.match(text, /^ {3}2 {3}B-A {5}30000 {5}29100 {2}0\.970/m);
  assert.match(text, /at least 10000 ops\/s/);
  // JSON round-trips (no NaN or Infinity in a complete run).
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
});
