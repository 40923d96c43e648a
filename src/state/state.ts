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
  /**
   * ACL schemes beyond world, auth, digest and ip that ACLs may name: `sasl` and `x509`
   * exist only when their authProvider is configured, as in ZooKeeper (InvalidACL otherwise).
   */
  aclSchemes: ReadonlySet<string>;
}

export const defaultStateOptions: Readonly<StateOptions> = Object.freeze({
  extendedTypesEnabled: true,
  enforceQuota: false,
  aclSchemes: new Set<string>(),
});

export class State {
  /** The zxid (log index) of the last entry applied; 0 for a fresh state. */
  lastZxid = 0;

  constructor(
    readonly tree: DataTree,
    readonly sessions: SessionTable,
    readonly options: Readonly<StateOptions>,
  ) {}

  static fresh(options: Partial<StateOptions> = {}): State {
    return new State(DataTree.withSystemNodes(), new SessionTable(), {
      ...defaultStateOptions,
      ...options,
    });
  }
}
