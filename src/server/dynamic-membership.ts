// What an ensemble member knows about its membership beyond the Raft configuration: the
// members' addresses, as ZooKeeper's server lines in /zookeeper/config.
//
// At start, /zookeeper/config shows the server lines this member was started with (zoo.cfg
// or its dynamic file) with version 0, unless the recovered state already holds the text of
// a reconfiguration. The text is set outside the log, on each member, as ZooKeeper sets it
// from its own configuration; the tree digest leaves /zookeeper/ out, so members agree.
// Whenever a reconfiguration is applied here (from the log or in a snapshot from the
// leader), every member's address goes to the peer transport, so a member that was not in
// this member's zoo.cfg can be reached once it votes or leads, and the owner is told, to
// write the dynamic configuration file as ZooKeeper does.
import type { Clock } from "../base/clock.js";
import type { Logger } from "../base/logger.js";
import type { PeerNetwork } from "../base/peer-network.js";
import type { RaftNode } from "../raft/node.js";
import type { State } from "../state/state.js";
import { configPath } from "../tree/path.js";
import type { ServerSpec } from "./config.js";
import { configText, parseDynamicConfig } from "./dynamic-config.js";
import type { RaftLog } from "./raft-log.js";
import { ReconfigLeader } from "./reconfig-leader.js";

export interface DynamicMembershipOptions {
  self: number;
  state: State;
  network: PeerNetwork;
  logger: Logger;
  clock: Clock;
  node: RaftNode;
  raftLog: RaftLog;
  /**
   * How long a joining member may take to catch up: ZooKeeper's initLimit x tickTime, its
   * bound on a follower connecting and syncing with a leader.
   */
  catchUpTimeoutMs: number;
  reconfigEnabled: boolean;
  standaloneEnabled: boolean;
  /** The server lines this member started with; absent: /zookeeper/config stays as found. */
  initial?: ServerSpec[];
  changed?: (text: string, version: number) => void;
}

export class DynamicMembership {
  readonly duty: ReconfigLeader;
  private shownVersion = -1;

  constructor(private readonly options: DynamicMembershipOptions) {
    const tree = options.state.tree;
    const node = tree.get(configPath);
    if (
      node !== undefined &&
      (node.data === null || node.data === "") &&
      options.initial !== undefined
    ) {
      // ZooKeeper's Stat for it: version -1 (its reconfig transactions keep it there).
      tree.setConfigData(configPath, node, configText(options.initial, 0), 0, 0);
    }
    this.duty = new ReconfigLeader({
      self: options.self,
      clock: options.clock,
      logger: options.logger,
      node: options.node,
      propose: (data) => options.raftLog.propose(data),
      kick: () => options.raftLog.kick(),
      state: () => options.state,
      reconfigEnabled: options.reconfigEnabled,
      standaloneEnabled: options.standaloneEnabled,
      learnAddress: (s) => options.network.setPeer?.(s.id, s.host, s.peerPort),
      catchUpTimeoutMs: options.catchUpTimeoutMs,
    });
    this.applied(false);
  }

  /** /zookeeper/config may have changed (a reconfig entry or a snapshot was applied). */
  applied(notify = true): void {
    const node = this.options.state.tree.get(configPath);
    if (node === undefined || node.data === null || node.data === "") return;
    let parsed: ReturnType<typeof parseDynamicConfig>;
    try {
      parsed = parseDynamicConfig(node.data);
    } catch (err) {
      this.options.logger.warn("cannot read /zookeeper/config", {
        error: err instanceof Error ? err.message : String(err),
      });
      return;
    }
    if (parsed.version === this.shownVersion) return;
    this.shownVersion = parsed.version;
    for (const s of parsed.servers) {
      if (s.id !== this.options.self) this.options.network.setPeer?.(s.id, s.host, s.peerPort);
    }
    if (notify && parsed.version !== 0) {
      this.options.logger.info("membership changed", {
        version: `0x${parsed.version.toString(16)}`,
        members: parsed.servers.map((s) => `${s.id}:${s.role}`).join(","),
      });
      this.options.changed?.(node.data, parsed.version);
    }
  }
}
