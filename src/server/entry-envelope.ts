// The envelope around every state entry a member proposes: who proposed it, so that the
// member holding the client's connection recognises its own write when it commits, whether
// it appended the entry itself (as leader) or forwarded it to another member. apply() never
// sees the envelope; it is part of the log entry's bytes only.
//
// Layout (little-endian), followed by the state entry (state/entry-codec.ts):
//
//   u8   marker 0x80 (a bare state entry starts with its format version, 1, so logs written
//        before envelopes existed still read)
//   u8   origin member id (server.N, 0..255)
//   u32  origin incarnation: random per process start, so a tag of an earlier run of the
//        same member never matches a pending write of this one
//   f64  origin tag: the proposing member's sequence number
import type { ByteWriter } from "../state/bytes.js";

const marker = 0x80;
export const envelopeBytes = 14;

export interface Origin {
  readonly member: number;
  readonly incarnation: number;
}

/** Starts an enveloped entry in `w` (reset first); encodeEntry appends the entry after it. */
export function writeEnvelope(w: ByteWriter, origin: Origin, tag: number): ByteWriter {
  w.u8(marker);
  w.u8(origin.member);
  w.u32(origin.incarnation);
  w.f64(tag);
  return w;
}

/** The tag of an entry `origin` proposed, or -1 when someone else (or nobody) proposed it. */
export function ownTag(data: Uint8Array, origin: Origin): number {
  if (data.length < envelopeBytes || data[0] !== marker || data[1] !== origin.member) return -1;
  const view = new DataView(data.buffer, data.byteOffset, envelopeBytes);
  if (view.getUint32(2, true) !== origin.incarnation) return -1;
  return view.getFloat64(6, true);
}

/** The state entry inside `data` (the bytes themselves when there is no envelope). */
export function entryBytes(data: Uint8Array): Uint8Array {
  return data.length >= envelopeBytes && data[0] === marker ? data.subarray(envelopeBytes) : data;
}
