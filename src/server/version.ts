// The version Corral reports where ZooKeeper reports its own (srvr, stat, mntr, envi). Tools
// parse the leading "major.minor.patch" to decide which features a server has, so it names
// the ZooKeeper release whose protocol Corral speaks, then Corral's own version, then, as
// ZooKeeper does, when this program was built (the compiler's run, read at start-up by
// src/io/node-process-info.ts; "unknown" where it cannot be read).
import { formatBuildDateUtc } from "./time-format.js";

export const corralVersion = "0.1.0";
export const zookeeperCompatibleVersion = "3.9.3";
export const versionPrefix = `${zookeeperCompatibleVersion}-corral-${corralVersion}`;

export function formatVersionLine(builtAtMs: number | null): string {
  const built = builtAtMs === null ? "unknown" : formatBuildDateUtc(builtAtMs);
  return `${versionPrefix}, built on ${built}`;
}
