// Last, smallest and largest size of the responses a server sent (ZooKeeper's BufferStats
// for mntr's zk_last/min/max_client_response_size): -1 until the first, and again after
// srst. A response's size is its frame without the 4-byte length: reply header and record.
export class BufferStats {
  last = -1;
  min = -1;
  max = -1;

  record(bytes: number): void {
    this.last = bytes;
    if (this.min === -1 || bytes < this.min) this.min = bytes;
    if (bytes > this.max) this.max = bytes;
  }

  reset(): void {
    this.last = -1;
    this.min = -1;
    this.max = -1;
  }
}
