// CPU time of processes as Linux accounts it (/proc/<pid>/stat, user plus system, all
// threads), for bench/admin-overhead.ts: the server's CPU per request is a steadier figure
// than its throughput on a machine whose other processes come and go, and the browser's CPU
// says how much of a throughput difference is the browser competing for the cores rather
// than the member's own work.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { parseProcStat } from "./overhead-figures.js";

/** The kernel's clock ticks per second (USER_HZ), the unit of /proc/<pid>/stat's times. */
export function clockTicksPerSecond(): number {
  try {
    const n = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    if (Number.isInteger(n) && n > 0) return n;
  } catch {
    // No getconf: every Linux architecture Node runs on uses 100.
  }
  return 100;
}

function readStat(pid: number): { ppid: number; cpuTicks: number } | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, "latin1"));
  } catch {
    // Gone between the listing and the read.
    return null;
  }
}

/** CPU seconds a process has used so far. */
export function processCpuSeconds(pid: number, ticksPerSecond: number): number {
  const s = readStat(pid);
  if (s === null) throw new Error(`process ${pid} is gone`);
  return s.cpuTicks / ticksPerSecond;
}

/**
 * CPU seconds used so far by the live descendants of `root`, leaving out the subtrees of the
 * pids in `exclude` (a browser's processes are the harness's children other than the server
 * and the load generator).
 */
export function descendantsCpuSeconds(
  root: number,
  exclude: ReadonlySet<number>,
  ticksPerSecond: number,
): number {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const s = readStat(pid);
    if (s === null) continue;
    ticks.set(pid, s.cpuTicks);
    const list = children.get(s.ppid);
    if (list === undefined) children.set(s.ppid, [pid]);
    else list.push(pid);
  }
  let total = 0;
  const stack = [...(children.get(root) ?? [])];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    if (exclude.has(pid)) continue;
    total += ticks.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total / ticksPerSecond;
}
