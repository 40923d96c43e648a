// Where the tests find kazoo (Debian's python3-kazoo, installed by scripts/install-interop.sh):
// the interpreter to run it with, and why it cannot run here, for a test's skip reason.
import { spawnSync } from "node:child_process";

export const python = "/usr/bin/python3";

let missing: string | undefined | null = null;

/** Why kazoo cannot be imported, or undefined when it can (checked once per process). */
export function kazooMissing(): string | undefined {
  if (missing === null) {
    const ok = spawnSync(python, ["-c", "import kazoo.client"], { stdio: "ignore" }).status === 0;
    missing = ok
      ? undefined
      : "kazoo is not importable by /usr/bin/python3 (run scripts/install-interop.sh)";
  }
  return missing;
}

export function kazooAvailable(): boolean {
  return kazooMissing() === undefined;
}
