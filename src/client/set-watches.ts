// The setWatches requests that hand a new connection every watch of the session
// (zookeeper-protocol.md §11.4). The server answers a list by the node's state after
// `relativeZxid` (the client's lastZxidSeen): it sends the events the client missed while
// away and registers the rest. Like Java, the client sends setWatches (101) unless it holds
// persistent watches, which only setWatches2 (105) can carry, and splits the lists over
// several requests of at most ~128 KiB of path text each, so that a client with many watches
// does not build one frame beyond the server's packet limit.

import { OpCode } from "../protocol/constants.js";
import type { SetWatches, SetWatches2 } from "../protocol/records.js";
import { clientPathOf, prependChroot } from "./paths.js";
import { configPath, type WatchRegistry } from "./watch-registry.js";

/** Java splits setWatches so that each frame carries at most ~128 KiB of path text. */
const setWatchesCharsMax = 128 * 1024;

export type SetWatchesRequest =
  | { opcode: typeof OpCode.setWatches; body: SetWatches }
  | { opcode: typeof OpCode.setWatches2; body: SetWatches2 };

/** The requests re-registering every watch in `watches`, in order; none when it is empty. */
export function setWatchesRequests(
  watches: WatchRegistry,
  chroot: string,
  relativeZxid: number,
): SetWatchesRequest[] {
  const requests: SetWatchesRequest[] = [];
  if (watches.empty) return requests;
  const persistentAny = watches.persistent.size > 0 || watches.persistentRecursive.size > 0;
  let lists: string[][] = [[], [], [], [], []];
  const tables = [
    watches.data,
    watches.exist,
    watches.child,
    watches.persistent,
    watches.persistentRecursive,
  ];
  let chars = 0;
  const flush = (): void => {
    if (persistentAny) {
      requests.push({
        opcode: OpCode.setWatches2,
        body: {
          relativeZxid,
          dataWatches: lists[0],
          existWatches: lists[1],
          childWatches: lists[2],
          persistentWatches: lists[3],
          persistentRecursiveWatches: lists[4],
        },
      });
    } else {
      requests.push({
        opcode: OpCode.setWatches,
        body: {
          relativeZxid,
          dataWatches: lists[0],
          existWatches: lists[1],
          childWatches: lists[2],
        },
      });
    }
    lists = [[], [], [], [], []];
    chars = 0;
  };
  // getConfig's watch is on the server's /zookeeper/config whatever the chroot; a data
  // watch at the same server path (no chroot) already re-registers it.
  if (watches.config.size > 0 && !watches.data.has(clientPathOf(chroot, configPath) ?? "")) {
    lists[0].push(configPath);
    chars += configPath.length;
  }
  for (let t = 0; t < tables.length; t++) {
    for (const path of tables[t].keys()) {
      const serverPath = prependChroot(chroot, path);
      lists[t].push(serverPath);
      chars += serverPath.length;
      if (chars >= setWatchesCharsMax) flush();
    }
  }
  if (chars > 0 || lists.some((l) => l.length > 0)) flush();
  return requests;
}
