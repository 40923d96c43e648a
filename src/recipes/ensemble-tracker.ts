// An ensemble tracker (Curator's EnsembleTracker): keeps a client's server list equal to the
// ensemble's membership as dynamic reconfiguration changes it. It reads /zookeeper/config
// with a watch (getConfig), re-reads on every change and after every (re)connection, builds a
// connect string from the members' client addresses, observers included, and hands it to
// client.updateServerList whenever it differs from the last one. So a client started with
// one member's address follows the ensemble to members it was never told about, and off
// members that leave, keeping its session.
//
// Like Curator: a member without a client address is left out (the text has no way to reach
// it), a wildcard client address (0.0.0.0 or ::) stands for the member's own host, and a
// configuration without any client address changes nothing. Unlike Curator, a configuration
// older than the last one applied (a smaller version) is ignored, and the tracker is opt-in.

import { EventEmitter } from "node:events";
import type { ZooKeeperClient } from "../client/client.js";
import { formatHost } from "../client/connect-string.js";
import { EventType } from "../client/index.js";
import type { ConnectionState, WatchedEvent } from "../client/types.js";
import { type DynamicConfig, parseDynamicConfig } from "../protocol/membership-text.js";
import { reportFailures, retryAcrossReconnects } from "./support.js";

const wildcardHosts = new Set(["0.0.0.0", "::", "0:0:0:0:0:0:0:0"]);

/**
 * The connect string (no chroot) of a configuration's members that have a client address,
 * in id order; "" when none has one.
 */
export function connectStringOfConfig(config: DynamicConfig): string {
  const hosts: string[] = [];
  for (const s of config.servers) {
    if (s.clientPort === null) continue;
    let host = s.clientHost ?? "";
    // ZooKeeper may write an IPv6 client address in brackets; formatHost adds its own.
    if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
    if (host === "" || wildcardHosts.has(host)) host = s.host;
    hosts.push(formatHost({ host, port: s.clientPort }));
  }
  return hosts.join(",");
}

export type EnsembleTrackerEvents = {
  /** The client was given a new server list (the connect string, without chroot). */
  change: [connectString: string];
  error: [unknown];
};

export class EnsembleTracker extends EventEmitter<EnsembleTrackerEvents> {
  private closed = false;
  private applied: string | null = null;
  /** The version of the newest configuration read; older ones are ignored. */
  private seenVersion = -1;
  private readonly watcher = (e: WatchedEvent): void => {
    if (e.type !== EventType.none) this.refreshSoon();
  };
  private readonly onState = (state: ConnectionState): void => {
    // A new session has no watches; a resumed one may have moved: read again either way.
    if (state === "connected" || state === "reconnected") this.refreshSoon();
  };

  constructor(readonly client: ZooKeeperClient) {
    super();
  }

  /** The connect string last handed to the client, or null before the first. */
  get connectString(): string | null {
    return this.applied;
  }

  /** Reads the configuration once (applying it) and keeps following it until close(). */
  async start(): Promise<void> {
    this.client.on("state", this.onState);
    await this.refresh();
  }

  close(): void {
    this.closed = true;
    this.client.off("state", this.onState);
  }

  private readonly isClosed = (): boolean => this.closed;

  private refreshSoon(): void {
    reportFailures(this.refresh(), this, this.client, this.isClosed);
  }

  private refresh(): Promise<void> {
    return retryAcrossReconnects(this.client, this.isClosed, async () => {
      const { data } = await this.client.getConfig({ watch: this.watcher });
      this.apply(data.toString("utf8"));
      return true;
    });
  }

  private apply(text: string): void {
    if (this.closed) return;
    // A malformed text throws ConfigError to the caller: the list stays as it was.
    const config = parseDynamicConfig(text);
    if (config.version < this.seenVersion) return;
    this.seenVersion = config.version;
    const connectString = connectStringOfConfig(config);
    if (connectString === "" || connectString === this.applied) return;
    this.client.updateServerList(connectString);
    this.applied = connectString;
    this.emit("change", connectString);
  }
}
