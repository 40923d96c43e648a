// Work partitioning across group members by consistent hashing: every member joins a group
// (GroupMember); each member places `virtualNodes` points per member on a hash ring, and a
// key belongs to the member owning the first point at or after the key's hash. All members
// compute the same assignment from the same membership, and a join or leave moves only the
// keys of the ring segments that changed hands (about 1/n of them).

import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import type { ZooKeeperClient } from "../client/client.js";
import { GroupMember } from "./group-membership.js";

function hash32(text: string): number {
  return createHash("sha1").update(text).digest().readUInt32BE(0);
}

/** A consistent-hash ring over member ids (pure, for tests and for local use). */
export class HashRing {
  private readonly points: { at: number; member: string }[] = [];

  constructor(members: Iterable<string>, virtualNodes = 64) {
    for (const m of members) {
      for (let v = 0; v < virtualNodes; v++)
        this.points.push({ at: hash32(`${m}#${v}`), member: m });
    }
    this.points.sort((a, b) => a.at - b.at || (a.member < b.member ? -1 : 1));
  }

  /** The member owning `key`, or undefined for an empty ring. */
  owner(key: string): string | undefined {
    if (this.points.length === 0) return undefined;
    const h = hash32(key);
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.points[mid].at < h) lo = mid + 1;
      else hi = mid;
    }
    return this.points[lo % this.points.length].member;
  }
}

export type PartitionerEvents = { rebalance: [members: string[]] };

export class WorkPartitioner extends EventEmitter<PartitionerEvents> {
  private readonly member: GroupMember;
  private ring = new HashRing([]);

  constructor(
    readonly client: ZooKeeperClient,
    readonly groupPath: string,
    readonly memberId: string,
    readonly virtualNodes = 64,
  ) {
    super();
    this.member = new GroupMember(client, groupPath, memberId);
    const rebuild = (): void => {
      const ids = [...this.member.members().keys()].sort();
      this.ring = new HashRing(ids, virtualNodes);
      this.emit("rebalance", ids);
    };
    this.member.membership.on("childAdded", rebuild);
    this.member.membership.on("childRemoved", rebuild);
  }

  async start(): Promise<void> {
    await this.member.join();
  }

  /** The member ids the current assignment is computed from, sorted. */
  get memberIds(): string[] {
    return [...this.member.members().keys()].sort();
  }

  /** True if this member should process `key` under the current membership. */
  owns(key: string): boolean {
    return this.ring.owner(key) === this.memberId;
  }

  /** This member's share of `keys`. */
  myKeys(keys: Iterable<string>): string[] {
    return [...keys].filter((k) => this.owns(k));
  }

  async close(): Promise<void> {
    await this.member.leave();
  }
}
