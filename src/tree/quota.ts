// Quotas as ZooKeeper 3.7+ stores them (zookeeper-protocol.md §9.5): a quota on user path P is
// the node /zookeeper/quota<P>/zookeeper_limits whose text is "count=N,bytes=M" optionally
// followed by ";countHardLimit=..;byteHardLimit=..", and the server keeps
// /zookeeper/quota<P>/zookeeper_stats up to date with the live count and bytes of P's subtree.
// The text format is StatsTrack's: pairs split on "," or ";", "key=value", -1 when absent.

import { quotaPath } from "./path.js";

export const limitNodeName = "zookeeper_limits";
export const statNodeName = "zookeeper_stats";

export function limitPathOf(path: string): string {
  return `${quotaPath}${path}/${limitNodeName}`;
}

export function statPathOf(path: string): string {
  return `${quotaPath}${path}/${statNodeName}`;
}

/** The user path a node under /zookeeper/quota describes ("/zookeeper/quota/a" -> "/a"). */
export function userPathOfQuotaDir(dir: string): string {
  return dir.slice(quotaPath.length);
}

/** StatsTrack: an ordered key -> value map; count and bytes always print first. */
export class StatsTrack {
  readonly values = new Map<string, number>();

  constructor(text = "") {
    if (text.length === 0) return;
    for (const pair of text.split(/[,;]+/)) {
      if (pair.length === 0) continue;
      const eq = pair.indexOf("=");
      const key = eq < 0 ? pair : pair.slice(0, eq);
      // Java's split("=") keeps the piece after the key up to the next "=": zkCli 3.8 writes
      // "bytes=100=;..." (its StatsTrack.toString quirk) and means bytes=100.
      const raw = eq < 0 ? "" : pair.slice(eq + 1).split("=")[0];
      const value = raw.length === 0 ? -1 : Number(raw);
      // ZooKeeper throws NumberFormatException on garbage and the write fails; Corral keeps
      // the entry readable and treats the value as unset.
      this.values.set(key, Number.isSafeInteger(value) ? value : -1);
    }
  }

  get(key: string): number {
    return this.values.get(key) ?? -1;
  }

  set(key: string, value: number): void {
    this.values.set(key, value);
  }

  get count(): number {
    return this.get("count");
  }
  get bytes(): number {
    return this.get("bytes");
  }
  get countHardLimit(): number {
    return this.get("countHardLimit");
  }
  get byteHardLimit(): number {
    return this.get("byteHardLimit");
  }

  toString(): string {
    let out = `count=${this.count},bytes=${this.bytes}`;
    const extra: string[] = [];
    for (const [k, v] of this.values) if (k !== "count" && k !== "bytes") extra.push(`${k}=${v}`);
    if (extra.length > 0) out += `;${extra.join(";")}`;
    return out;
  }
}

/** Parses a quota node's stored data (latin1; the text is ASCII as ZooKeeper writes it). */
export function parseStats(data: string | null): StatsTrack {
  return new StatsTrack(data ?? "");
}

/** The stored data of a stats node: the ASCII text is its own latin1 form. */
export function encodeStats(stats: StatsTrack): string {
  return stats.toString();
}

/** A quota check's verdict for one write: which limit, soft or hard, and the message. */
export interface QuotaViolation {
  quotaPath: string;
  hard: boolean;
  message: string;
}
