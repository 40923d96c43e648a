// Makes a fresh clone runnable: installs the locked dev dependencies when they are missing or
// older than package-lock.json, then compiles with tsc (incremental, so a warm run is quick).
// `npm start` and `npm test` both call this, so neither needs a separate setup step.
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const depsOnly = process.argv.includes("--deps-only");
const marker = join(root, "node_modules", ".package-lock.json");
const lock = join(root, "package-lock.json");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  // `npm install` rather than `npm ci`: npm 11 refuses `ci` when the lock lacks optional
  // packages for other platforms (biome ships one per platform), which it often does.
  console.error("corral: installing dependencies (npm install)");
  execFileSync(npm, ["install", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: root,
    stdio: "inherit",
  });
}
if (!depsOnly) {
  execFileSync(
    process.execPath,
    [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", root],
    {
      cwd: root,
      stdio: "inherit",
    },
  );
}
