// The replicated state: the data tree, the session table and the zxid of the last applied
// entry. Options are configuration every member must share (they change what apply does), so
// they are fixed when the state is made and passed again when a snapshot is loaded.

import { DataTree } from "../tree/data-tree.js";
import { SessionTable } from "./sessions.js";

export interface StateOptions {
  /** TTL nodes allowed (zookeeper.extendedTypesEnabled); otherwise Unimplemented. */
  extendedTypesEnabled: boolean;
  /** Hard quota limits refuse writes with QuotaExceeded (zookeeper.enforceQuota). */
  enforceQuota: boolean;
}

export const defaultStateOptions: Readonly<StateOptions> = Object.freeze({
  extendedTypesEnabled: true,
  enforceQuota: false,
});

export class State {
  /** The zxid (log index) of the last entry applied; 0 for a fresh state. */
  lastZxid = 0;

  constructor(
    public tree: DataTree,
    public sessions: SessionTable,
    readonly options: Readonly<StateOptions>,
  ) {}

  /**
   * Becomes `other` (a snapshot received from the leader) in place, so that everything
   * holding this State sees the new tree and sessions. `other` must not be used afterwards.
   */
  replaceWith(other: State): void {
    this.tree = other.tree;
    this.sessions = other.sessions;
    this.lastZxid = other.lastZxid;
  }

  static fresh(options: Partial<StateOptions> = {}): State {
    return new State(DataTree.withSystemNodes(), new SessionTable(), {
      ...defaultStateOptions,
      ...options,
    });
  }
}
