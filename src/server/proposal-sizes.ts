// The sizes of the entries a leader appends to the log, as ZooKeeper's leader keeps them for
// `srvr`/`stat` ("Proposal sizes last/min/max: ...") and `mntr` (zk_last_proposal_size,
// zk_min_proposal_size, zk_max_proposal_size). Like ZooKeeper's, every figure is -1 until the
// first proposal, the record starts afresh when a member starts leading, and `srst` clears it.
// Corral counts the bytes of the encoded state entry (ZooKeeper counts its serialised
// transaction, so the figures of the two differ by framing for the same request).
export class ProposalSizes {
  lastBytes = -1;
  minBytes = -1;
  maxBytes = -1;

  record(bytes: number): void {
    this.lastBytes = bytes;
    this.minBytes = this.minBytes < 0 ? bytes : Math.min(this.minBytes, bytes);
    this.maxBytes = Math.max(this.maxBytes, bytes);
  }

  reset(): void {
    this.lastBytes = -1;
    this.minBytes = -1;
    this.maxBytes = -1;
  }
}
