// Bytes held either as one buffer or as parts that read back to back. A state machine image
// of a large tree is produced in parts while requests keep being served (joining 200 MB into
// one buffer would copy it all in one go and stall the event loop), written to disk part by
// part and sent to followers chunk by chunk, so nothing along the way needs it joined.

export type ByteParts = Uint8Array | readonly Uint8Array[];

export function bytePartsLength(bytes: ByteParts): number {
  if (bytes instanceof Uint8Array) return bytes.length;
  let total = 0;
  for (const part of bytes) total += part.length;
  return total;
}

/**
 * Bytes [start, end) of `bytes`, clamped to its length: a view when the range lies inside
 * one part, a copy when it spans several.
 */
export function bytePartsSlice(bytes: ByteParts, start: number, end: number): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes.subarray(start, end);
  let at = 0;
  let first = 0;
  while (first < bytes.length && at + bytes[first].length <= start) {
    at += bytes[first].length;
    first++;
  }
  if (first === bytes.length || end <= start) return new Uint8Array(0);
  const head = bytes[first];
  if (end - at <= head.length) return head.subarray(start - at, end - at);
  const out = new Uint8Array(Math.min(end, at + bytePartsLength(bytes.slice(first))) - start);
  let written = 0;
  for (let i = first; i < bytes.length && written < out.length; i++) {
    const part = bytes[i];
    const from = i === first ? start - at : 0;
    const take = Math.min(part.length - from, out.length - written);
    out.set(part.subarray(from, from + take), written);
    written += take;
  }
  return out;
}

/** One buffer holding every part (the part itself when there is only one). */
export function joinByteParts(bytes: ByteParts): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes.length === 1) return bytes[0];
  const out = new Uint8Array(bytePartsLength(bytes));
  let at = 0;
  for (const part of bytes) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
