// The `corral.pid` file a running server keeps in its dataDir, so that tools that must only
// ever work on a stopped member's data (`corral recover`) can tell that the data is in use.
// Node has no advisory file locks, so the file names the process and the reader asks the
// operating system whether that process still lives. A server killed with SIGKILL leaves the
// file behind; its process is gone, so the file counts for nothing. A recorded pid that the
// system has since given to another process could make a tool refuse wrongly, never proceed
// wrongly; on Linux the reader also checks that the process is a `corral server`.
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const pidFileName = "corral.pid";

/** Records this process in `dir` and removes the record when the process exits. */
export function writePidFile(dir: string): void {
  const path = join(dir, pidFileName);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${process.pid}\n`);
  renameSync(temporary, path);
  process.once("exit", () => {
    // Only our own record: a later server on the same directory may have replaced it.
    if (readPid(path) === process.pid) rmSync(path, { force: true });
  });
}

/** The live `corral server` process recorded in `dir`, or null when there is none. */
export function livePidFileOwner(dir: string): number | null {
  const pid = readPid(join(dir, pidFileName));
  if (pid === null || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to someone else; it still holds the data.
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return null;
  }
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    if (!command.includes("server")) return null;
  } catch {
    // No /proc (not Linux), or the process ended meanwhile: trust the liveness check.
  }
  return pid;
}

function readPid(path: string): number | null {
  try {
    const text = readFileSync(path, "utf8").trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}
