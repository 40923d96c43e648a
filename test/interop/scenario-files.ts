// Locates the client-side scenario programs (Python, Java, shell) that sit next to the
// interop tests in the source tree; tests run from dist/, where tsc does not copy them.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

export function scenarioFile(name: string): string {
  // Compiled: dist/test/interop/ -> test/interop/. Run from source: this folder.
  for (const candidate of [
    join(here, "..", "..", "..", "test", "interop", name),
    join(here, name),
  ]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`scenario program ${name} not found near ${here}`);
}
