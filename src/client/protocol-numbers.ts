// The protocol numbers behind the public names of types.ts: the public API speaks in names
// ("ephemeralSequential", "children") so that a call reads without a constants import, and
// the wire carries ZooKeeper's numbers (zookeeper-protocol.md §6, §11).

import { CreateMode, WatcherType } from "../protocol/constants.js";
import type { CreateModeName, WatcherTypeName } from "./types.js";

/** The create request's `flags` for each create mode. */
export const createModeFlag: Record<CreateModeName, number> = {
  persistent: CreateMode.persistent,
  ephemeral: CreateMode.ephemeral,
  persistentSequential: CreateMode.persistentSequential,
  ephemeralSequential: CreateMode.ephemeralSequential,
  container: CreateMode.container,
  persistentWithTTL: CreateMode.persistentWithTTL,
  persistentSequentialWithTTL: CreateMode.persistentSequentialWithTTL,
};

/** The checkWatches/removeWatches request's `type` for each watcher kind. */
export const watcherTypeNumber: Record<WatcherTypeName, number> = {
  children: WatcherType.children,
  data: WatcherType.data,
  any: WatcherType.any,
  persistent: WatcherType.persistent,
  persistentRecursive: WatcherType.persistentRecursive,
};
