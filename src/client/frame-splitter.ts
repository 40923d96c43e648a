// Splits a TCP byte stream into ZooKeeper frames: a 4-byte big-endian length N, then N bytes
// (zookeeper-protocol.md §1). Frames wholly inside one received chunk are handed out as
// views of that chunk, with no copy; a frame split across chunks is assembled once into a
// buffer of exactly its size (never by concatenating the stream again and again, which is
// quadratic for a 1 MiB reply arriving in 64 KiB pieces). Node gives every `data` event a
// fresh chunk, so a view stays valid for as long as its holder keeps it.

import { Buffer } from "node:buffer";

export interface FrameSink {
  /** One whole frame body is `bytes[start, end)`; returns false to stop splitting. */
  frame(bytes: Buffer, start: number, end: number): boolean;
  /** The stream announced a frame longer than allowed or negative. */
  badLength(length: number): void;
}

export class FrameSplitter {
  private readonly lengthBytes = Buffer.alloc(4);
  private lengthFilled = 0;
  private body: Buffer | null = null;
  private bodyFilled = 0;

  constructor(
    private readonly sink: FrameSink,
    private readonly frameBytesMax: number,
  ) {}

  reset(): void {
    this.lengthFilled = 0;
    this.body = null;
    this.bodyFilled = 0;
  }

  push(chunk: Buffer): void {
    let off = 0;
    const n = chunk.length;
    while (off < n) {
      if (this.body !== null) {
        // Continue a frame that started in an earlier chunk.
        const take = Math.min(this.body.length - this.bodyFilled, n - off);
        chunk.copy(this.body, this.bodyFilled, off, off + take);
        this.bodyFilled += take;
        off += take;
        if (this.bodyFilled === this.body.length) {
          const body = this.body;
          this.body = null;
          this.bodyFilled = 0;
          if (!this.sink.frame(body, 0, body.length)) return;
        }
        continue;
      }
      let length: number;
      if (this.lengthFilled === 0 && n - off >= 4) {
        length = chunk.readInt32BE(off);
        off += 4;
      } else {
        const take = Math.min(4 - this.lengthFilled, n - off);
        chunk.copy(this.lengthBytes, this.lengthFilled, off, off + take);
        this.lengthFilled += take;
        off += take;
        if (this.lengthFilled < 4) return;
        this.lengthFilled = 0;
        length = this.lengthBytes.readInt32BE(0);
      }
      if (length < 0 || length > this.frameBytesMax) {
        this.sink.badLength(length);
        return;
      }
      if (n - off >= length) {
        const start = off;
        off += length;
        if (!this.sink.frame(chunk, start, off)) return;
      } else {
        this.body = Buffer.allocUnsafe(length);
        this.bodyFilled = 0;
      }
    }
  }
}
