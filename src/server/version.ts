// The version Corral reports where ZooKeeper reports its own (srvr, stat, mntr, envi). Tools
// parse the leading "major.minor.patch" to decide which features a server has, so it names
// the ZooKeeper release whose protocol Corral speaks, then Corral's own version.
export const corralVersion = "0.1.0";
export const zookeeperCompatibleVersion = "3.9.3";
export const versionLine = `${zookeeperCompatibleVersion}-corral-${corralVersion}, built on 2026-11-23 00:00 UTC`;
