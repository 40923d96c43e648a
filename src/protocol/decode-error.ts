// The one error every decoder in this layer raises for bad bytes. Frames come from clients and
// servers we do not control, so a truncated, oversized or nonsensical frame is an input error,
// not a bug: the server answers it (MarshallingError, or closing the connection, as ZooKeeper
// does) and carries on. Callers catch exactly this class; anything else escaping a decoder is a
// bug in Corral, and the fuzz test (test/protocol/fuzz.test.ts) checks that nothing else does.

/** Why a frame could not be decoded; stable strings so callers can branch and count. */
export type DecodeErrorCode =
  /** The frame ended before the record did. */
  | "truncated"
  /** A buffer or string length is negative (other than -1 for null) or above the limit. */
  | "length"
  /** A vector count is negative (other than -1 for null) or cannot fit in the bytes left. */
  | "count"
  /** A null (-1) where the record requires a value (a path, a password, a list). */
  | "null"
  /** An opcode or multi operation type this codec does not know or does not allow here. */
  | "opcode"
  /** A field value the record does not allow (a create flag outside 0..6 inside a multi). */
  | "value";

export class DecodeError extends Error {
  override readonly name = "DecodeError";
  readonly code: DecodeErrorCode;
  /** Byte offset inside the decoded buffer where the problem was found. */
  readonly offset: number;

  constructor(code: DecodeErrorCode, message: string, offset: number) {
    super(`${message} (at byte ${offset})`);
    this.code = code;
    this.offset = offset;
  }
}
