// CPU budgets per process from the kernel's CFS bandwidth controller, for bench/observers.ts.
//
// Why: a read-scaling figure asks what one more member adds, and on a machine with fewer
// cores than processes one more member adds nothing but contention. Giving each member the
// same fixed budget (a quota of `cores` x the period, per period) models one small machine per
// member: the budgets add up to less than the cores there are, so a member's throughput is
// bounded by its own budget, not by its neighbours, and the load generator keeps the rest.
//
// Each capped process gets its own group, `corral-bench-<pid>`, under the `cpu` hierarchy:
// cgroup v1 (`/sys/fs/cgroup/cpu`, cpu.cfs_quota_us and cpu.cfs_period_us) or cgroup v2
// (`/sys/fs/cgroup`, cpu.max) where the root delegates the cpu controller. Writing a pid to
// the group's cgroup.procs moves all of that process's threads. A group is removed once its
// process has exited (the kernel refuses to remove a group that still holds one).
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// The kernel's smallest quota is 1 ms. The shortest period that allows it keeps the stalls
// short: a process that spent its quota waits for the next period, and a request handed
// between threads (a JVM's pipeline) can wait at every hand-off.
const quotaUsMin = 1000;
const periodUsMin = 2000;

type Hierarchy = { kind: "v1" | "v2"; root: string };

function findHierarchy(): Hierarchy | null {
  if (existsSync("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")) {
    return { kind: "v1", root: "/sys/fs/cgroup/cpu" };
  }
  try {
    const delegated = readFileSync("/sys/fs/cgroup/cgroup.subtree_control", "utf8");
    if (delegated.split(/\s+/).includes("cpu")) return { kind: "v2", root: "/sys/fs/cgroup" };
  } catch {
    // No cgroup v2 at the usual place.
  }
  return null;
}

export class CpuCaps {
  private readonly groups: string[] = [];

  private constructor(private readonly hierarchy: Hierarchy) {}

  /** The controller, or the reason it cannot be used here. */
  static open(): CpuCaps | string {
    const hierarchy = findHierarchy();
    if (hierarchy === null) return "no cgroup cpu controller (v1 or delegated v2) on this machine";
    const probe = join(hierarchy.root, `corral-bench-probe-${process.pid}`);
    try {
      mkdirSync(probe);
      rmdirSync(probe);
    } catch (e) {
      return `cannot create a cgroup under ${hierarchy.root}: ${(e as Error).message}`;
    }
    return new CpuCaps(hierarchy);
  }

  /** Limits one running process (all its threads) to `cores` of CPU time per wall second. */
  cap(pid: number, cores: number): void {
    const dir = join(this.hierarchy.root, `corral-bench-${pid}`);
    mkdirSync(dir);
    this.groups.push(dir);
    const periodUs = Math.max(periodUsMin, Math.ceil(quotaUsMin / cores));
    const quotaUs = Math.round(cores * periodUs);
    if (this.hierarchy.kind === "v1") {
      writeFileSync(join(dir, "cpu.cfs_period_us"), `${periodUs}`);
      writeFileSync(join(dir, "cpu.cfs_quota_us"), `${quotaUs}`);
    } else {
      writeFileSync(join(dir, "cpu.max"), `${quotaUs} ${periodUs}`);
    }
    writeFileSync(join(dir, "cgroup.procs"), `${pid}`);
  }

  /**
   * How many periods the process's group was throttled in, so far: a member that used its
   * whole budget is throttled in most periods of the run, which is what shows that the budget,
   * not the load generator, bounded its throughput.
   */
  throttledPeriods(pid: number): { periods: number; throttled: number } {
    const text = readFileSync(join(this.hierarchy.root, `corral-bench-${pid}`, "cpu.stat"), "utf8");
    const field = (name: string): number =>
      Number(new RegExp(`^${name} (\\d+)`, "m").exec(text)?.[1] ?? 0);
    return { periods: field("nr_periods"), throttled: field("nr_throttled") };
  }

  /** Removes the groups of processes that have exited; call after stopping them. */
  release(): void {
    for (const dir of this.groups.splice(0)) {
      try {
        rmdirSync(dir);
      } catch (e) {
        console.error(`could not remove ${dir}: ${(e as Error).message}`);
      }
    }
  }
}
