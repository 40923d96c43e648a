// ZooKeeper's digest history (DataTree.digestLog, answered by the `hash` four-letter word):
// the tree digest (src/tree/digest.ts) taken right after an entry is applied, kept for one
// entry in every 128 zxids and at most 1024 of them, oldest first. Every member applies the
// same entries at the same zxids, so two members' histories must agree line for line; a
// line that differs names the first 128 zxids in which their trees diverged.
//
// ZooKeeper keeps the transaction whose zxid is a multiple of 128. Corral keeps the first
// state entry at or past each multiple, because a zxid here is a log index and an index that
// carries no state entry (a new leader's no-op) is never applied: at such a multiple
// ZooKeeper's rule would leave a gap, and this one names the next entry instead.

import type { DataTree } from "../tree/data-tree.js";

export const digestLogIntervalZxids = 128;
export const digestLogEntriesMax = 1024;

export interface ZxidDigest {
  zxid: number;
  /** The tree digest after the entry at `zxid`, as Java prints a long (signed decimal). */
  digest: string;
}

export class DigestLog {
  private readonly entries: ZxidDigest[] = [];

  /** Called after the entry at `zxid` is applied; `previousZxid` is the entry before it. */
  applied(previousZxid: number, zxid: number, tree: DataTree): void {
    if (
      Math.floor(zxid / digestLogIntervalZxids) <= Math.floor(previousZxid / digestLogIntervalZxids)
    )
      return;
    this.entries.push({ zxid, digest: tree.digestNow().toString() });
    if (this.entries.length > digestLogEntriesMax) this.entries.shift();
  }

  /** The kept digests, oldest first. */
  list(): readonly ZxidDigest[] {
    return this.entries;
  }
}
