// The replicated state: the data tree, the session table and the zxid of the last applied
// entry. Options are configuration every member must share (they change what apply does), so
// they are fixed when the state is made and passed again when a snapshot is loaded.

import { DataTree } from "../tree/data-tree.js";
import { DigestLog } from "./digest-log.js";
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
  /**
   * The zxid of the last applied state entry: lastZxid without the indexes that carry no
   * state entry (a leader's no-op), so a fresh member reports 0 as a fresh ZooKeeper does.
   * After a snapshot load it starts at the snapshot's lastZxid.
   */
  lastTxnZxid = 0;
  /** The tree digest every 128 zxids (the `hash` four-letter word). */
  readonly digestLog = new DigestLog();

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
    // What srvr and mntr report as the zxid: without it a member that caught up by snapshot
    // reported the zxid it had before (0 when it joined empty) until its next write.
    this.lastTxnZxid = other.lastTxnZxid;
  }

  static fresh(options: Partial<StateOptions> = {}): State {
    return new State(DataTree.withSystemNodes(), new SessionTable(), {
      ...defaultStateOptions,
      ...options,
    });
  }
}
