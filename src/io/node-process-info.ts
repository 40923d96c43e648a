// ProcessInfo for a real Node.js process on Linux: descriptors from /proc/self, memory from
// V8, host and user from the OS. Elsewhere /proc is absent and the descriptor counts are -1,
// which leaves mntr's descriptor lines out, as ZooKeeper does off Unix.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { arch, homedir, hostname, release, tmpdir, type, userInfo } from "node:os";
import { fileURLToPath } from "node:url";
import { getHeapStatistics } from "node:v8";
import type { ProcessEnvironment, ProcessInfo, ProcessMemory } from "../base/process-info.js";

/** Java's names for the architectures Node calls differently (os.arch in envi). */
const javaArch: Record<string, string> = { x64: "amd64", ia32: "x86" };

/**
 * When this program was built: tsc rewrites its build-info file (dist/.tsbuildinfo, two
 * levels above this compiled module) on every build that emits, so its time is the build's.
 */
function builtAtMs(): number | null {
  try {
    return Math.floor(
      statSync(fileURLToPath(new URL("../../.tsbuildinfo", import.meta.url))).mtimeMs,
    );
  } catch {
    return null;
  }
}

export class NodeProcessInfo implements ProcessInfo {
  /** Read once: the build does not change under a running process. */
  private readonly builtAtMs = builtAtMs();

  openFileDescriptors(): number {
    try {
      // readdir holds one descriptor on the directory itself while it lists it.
      return readdirSync("/proc/self/fd").length - 1;
    } catch {
      return -1;
    }
  }

  maxFileDescriptors(): number {
    try {
      const line = readFileSync("/proc/self/limits", "latin1")
        .split("\n")
        .find((l) => l.startsWith("Max open files"));
      const soft = line?.slice("Max open files".length).trim().split(/\s+/)[0];
      if (soft === undefined) return -1;
      return soft === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(soft);
    } catch {
      return -1;
    }
  }

  memory(): ProcessMemory {
    const usage = process.memoryUsage();
    return {
      heapUsedBytes: usage.heapUsed,
      heapTotalBytes: usage.heapTotal,
      heapLimitBytes: getHeapStatistics().heap_size_limit,
    };
  }

  environment(): ProcessEnvironment {
    let userName = "?";
    try {
      userName = userInfo().username;
    } catch {
      // A uid without a passwd entry (some containers) has no name.
    }
    return {
      hostName: hostname(),
      runtimeVersion: process.version,
      osName: type(),
      osArch: javaArch[arch()] ?? arch(),
      osVersion: release(),
      userName,
      userHome: homedir(),
      workingDirectory: process.cwd(),
      tmpDirectory: tmpdir(),
      builtAtMs: this.builtAtMs,
    };
  }
}
