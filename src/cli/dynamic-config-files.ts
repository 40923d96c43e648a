// The files a reconfiguration leaves behind, as ZooKeeper writes them, so that a member
// restarted with its usual command line comes back with the new membership:
//
// - `<zoo.cfg>.dynamic.<version>` (hex zxid of the reconfig) next to zoo.cfg, holding the new
//   server lines (no version line, as ZooKeeper writes it);
// - zoo.cfg rewritten without its server.N lines and with `dynamicConfigFile=` naming that
//   file (the first rewrite keeps the original as zoo.cfg.bak, as ZooKeeper does);
// - the data directory's identity file marked `membership=dynamic`: its ensemble id stays the
//   ensemble's although the server lines now derive another (docs/ensemble.md).
//
// Every file is written to a temporary name and renamed, so a crash leaves the old or the
// new file, never half of one.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseDynamicConfig, serverLines } from "../server/dynamic-config.js";

export interface DynamicConfigPaths {
  /** The zoo.cfg the member started with; null when it was started without one. */
  zooCfg: string | null;
  dataDir: string;
  identityFile: string;
}

function replaceFile(path: string, text: string): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/** Writes the files for the membership `text` (/zookeeper/config's) at `version`. */
export function writeDynamicConfigFiles(
  paths: DynamicConfigPaths,
  text: string,
  version: number,
): string {
  const base = paths.zooCfg ?? join(paths.dataDir, "zoo.cfg");
  const dynamicPath = `${base}.dynamic.${version.toString(16)}`;
  replaceFile(dynamicPath, `${serverLines(parseDynamicConfig(text).servers)}\n`);
  if (paths.zooCfg !== null && existsSync(paths.zooCfg)) {
    const original = readFileSync(paths.zooCfg, "utf8");
    const backup = join(dirname(paths.zooCfg), "zoo.cfg.bak");
    if (!existsSync(backup) && !/^\s*dynamicConfigFile\s*=/m.test(original)) {
      writeFileSync(backup, original);
    }
    const kept = original
      .split(/\r?\n/)
      .filter((line) => !/^\s*(server\.\d+|dynamicConfigFile)\s*[=:\s]/.test(line))
      .filter((line, i, all) => line !== "" || i < all.length - 1);
    replaceFile(paths.zooCfg, `${[...kept, `dynamicConfigFile=${dynamicPath}`].join("\n")}\n`);
  }
  if (existsSync(paths.identityFile)) {
    const identity = readFileSync(paths.identityFile, "utf8");
    if (!/^membership=dynamic$/m.test(identity)) {
      replaceFile(paths.identityFile, `${identity.replace(/\n?$/, "\n")}membership=dynamic\n`);
    }
  }
  return dynamicPath;
}
