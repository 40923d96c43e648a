// The client's public surface (package export "corral/client").

export {
  AddWatchMode,
  CreateMode,
  ErrorCode,
  EventType,
  KeeperState,
  Perm,
} from "../protocol/constants.js";
export { type ClientEvents, ZooKeeperClient } from "./client.js";
export * from "./connect-string.js";
export * from "./errors.js";
export { EventQueue } from "./event-queue.js";
export { baseName, joinPath, parentPath, validatePath } from "./paths.js";
export * from "./retry.js";
export * from "./transaction.js";
export * from "./types.js";
