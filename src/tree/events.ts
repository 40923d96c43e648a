// What a write hands to the watch machinery: one trigger per (event type, path), in apply
// order, with the ACL of the node the event is about (for NodeChildrenChanged the parent's),
// so each member's WatchRegistry can apply the READ filter of §11.3 to nodes that no longer
// exist. Triggers are facts about the replicated state; who receives them is local.

import type { ACL } from "../protocol/records.js";

export interface WatchTrigger {
  /** EventType: nodeCreated, nodeDeleted, nodeDataChanged or nodeChildrenChanged. */
  type: number;
  path: string;
  zxid: number;
  acl: readonly ACL[];
}
