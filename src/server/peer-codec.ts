// Peer message bodies: the bytes one member hands the PeerNetwork for another member, and
// their encoding of the Raft core's messages. The carrier frames and delivers bodies; it never
// looks inside them. The first byte says what a body holds, so the member's own messages
// (write forwarding, session touches) travel beside Raft's on the same links.
//
// Byte layout. All integers are big-endian. Three kinds of number appear:
//   u8, u32   unsigned integers of 1 and 4 bytes
//   uint      an IEEE-754 double holding an integer in [0, 2^53) (never -0): terms, indexes,
//             offsets and contexts are plain JS numbers in Corral, so they travel as such
//   id        a u32 member id, at least 1 (0 is "nobody" and never names a sender or target)
// and byte strings are `u32 n, then n bytes` (strings are UTF-8 byte strings).
//
//   body          u8 kind, then the kind's payload
//     kind 0      a Raft message (below)
//     kinds 16-63 the member's own messages, written with PeerWriter and read with PeerReader
//     any other   reserved; refused by peerKind()
//
//   Raft message
//     u8    type        MessageType, 0..12
//     id    from, id to
//     uint  term, logTerm, index, commit
//     u8    reject      0 or 1
//     uint  rejectHint, context
//     u32   entryCount  then entryCount x entry; 0 unless type is append
//     u8    hasChunk    1 exactly when type is snapshot, then one snapshot chunk; else 0
//
//   entry           uint term, uint index, u8 kind (EntryKind, 0..2), bytes data
//   snapshot chunk  uint meta.index, uint meta.term,
//                   u32 voterCount, voterCount x id, u32 learnerCount, learnerCount x id,
//                   uint offset, uint totalBytes, bytes data
//
// The body ends exactly where its last field ends; trailing bytes are an error.
//
// Hostile input. Bodies come from the network: a peer running other code, a corrupted or
// spoofed link. Every decoding failure throws PeerDecodeError and nothing else; every count
// is checked against the bytes left (divided by its element's smallest size) before anything
// is allocated, so no body makes the decoder allocate more than a small multiple of its own
// size. Beyond the structure, the decoder refuses what the Raft core treats as impossible
// (its asserts would stop the member): a snapshot message without a chunk, a chunk longer
// than its total, entries that are not consecutive from index + 1 or whose terms go back, a
// configuration whose id lists are not ascending and disjoint.
//
// Ownership. The carrier's body is valid only during its handler call, but the Raft core
// keeps the entries and snapshot data it receives. So the first non-empty data field copies
// the whole body once, and every data field is a view into that copy: one allocation per
// message that carries data, none for the (far more frequent) messages that carry none.
// Encoding reuses the writer's buffer: the carrier copies the bytes in send().

import { assert } from "../base/assert.js";
import {
  type ConfState,
  type Entry,
  EntryKind,
  emptyBytes,
  emptyEntries,
  type Message,
  MessageType,
  type NodeId,
  type SnapshotChunk,
} from "../raft/types.js";

/** What a body holds: its first byte. */
export const PeerKind = {
  raft: 0,
  /** The first kind of the member's own messages. */
  memberFirst: 16,
  /** The last kind of the member's own messages. */
  memberLast: 63,
} as const;

export type PeerDecodeErrorCode =
  /** The body ended before the field did. */
  | "truncated"
  /** A kind, message type or entry kind this codec does not know. */
  | "kind"
  /** A number where it cannot be: not an integer, negative, 0 for an id, a flag not 0/1. */
  | "value"
  /** A count (or length) larger than the bytes left could hold. */
  | "count"
  /** Bytes left after the last field. */
  | "trailing"
  /** Fields that contradict each other or an invariant of the Raft core. */
  | "inconsistent";

/** The only error a peer decoder throws: the body is malformed. The member drops it. */
export class PeerDecodeError extends Error {
  override readonly name = "PeerDecodeError";
  readonly code: PeerDecodeErrorCode;
  /** Byte offset in the body where the problem was found. */
  readonly offset: number;

  constructor(code: PeerDecodeErrorCode, message: string, offset: number) {
    super(`peer message: ${message} (at byte ${offset})`);
    this.code = code;
    this.offset = offset;
  }
}

const twoPow53 = 2 ** 53;
const initialWriterBytes = 4096;

/**
 * A growable writer of peer bodies, reused for every message it encodes: begin() starts a
 * body with its kind byte, the appends add fields, finish() returns a view of the writer's
 * own storage, valid until the next begin(). PeerNetwork.send copies it, so a member needs
 * one writer for all its peer messages.
 */
export class PeerWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialBytes = initialWriterBytes) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
  }

  /** Starts a body of the given kind (0, or 16..63 for the member's own messages). */
  begin(kind: number): this {
    assert(
      kind === PeerKind.raft || (kind >= PeerKind.memberFirst && kind <= PeerKind.memberLast),
      `peer writer: kind ${kind} is not a peer message kind`,
    );
    this.pos = 0;
    this.u8(kind);
    return this;
  }

  /** The body written since begin(): a view, valid until the next begin(). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  get length(): number {
    return this.pos;
  }

  u8(value: number): void {
    assert((value & 0xff) === value, `peer writer: ${value} is not a u8`);
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.buf[this.pos++] = value;
  }

  u32(value: number): void {
    assert(value >>> 0 === value, `peer writer: ${value} is not a u32`);
    if (this.pos + 4 > this.buf.length) this.grow(4);
    this.view.setUint32(this.pos, value);
    this.pos += 4;
  }

  /** Any double, written as is (PeerReader.f64 reads it back bit for bit). */
  f64(value: number): void {
    if (this.pos + 8 > this.buf.length) this.grow(8);
    this.view.setFloat64(this.pos, value);
    this.pos += 8;
  }

  /** A non-negative integer below 2^53 (a term, an index, an offset, a session id). */
  uint(value: number): void {
    assert(
      Number.isSafeInteger(value) && value >= 0 && !Object.is(value, -0),
      `peer writer: ${value} is not a non-negative integer`,
    );
    this.f64(value);
  }

  bool(value: boolean): void {
    this.u8(value ? 1 : 0);
  }

  /** A byte string: u32 length, then the bytes. */
  bytes(value: Uint8Array): void {
    const n = value.length;
    this.u32(n);
    if (this.pos + n > this.buf.length) this.grow(n);
    this.buf.set(value, this.pos);
    this.pos += n;
  }

  /** A UTF-8 string: u32 byte length, then the bytes. */
  string(value: string): void {
    // A UTF-16 unit needs at most 3 bytes of UTF-8: reserve that, encode in place, then
    // patch the length, so the string is neither measured first nor encoded twice.
    const reserve = 4 + 3 * value.length;
    if (this.pos + reserve > this.buf.length) this.grow(reserve);
    const start = this.pos + 4;
    const written = textEncoder.encodeInto(value, this.buf.subarray(start)).written;
    this.view.setUint32(this.pos, written);
    this.pos = start + written;
  }

  private grow(needed: number): void {
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + needed));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true });
const emptyView = new DataView(new ArrayBuffer(0));

/**
 * A bounds-checked reader over one received body, reusable across bodies (reset). Every
 * read past the end, or of a value its field cannot hold, throws PeerDecodeError. Byte
 * fields come back as views into one private copy of the body, made the first time a
 * non-empty byte field is read, so they stay valid after the carrier reuses its buffer.
 */
export class PeerReader {
  private body: Uint8Array = emptyBytes;
  private view: DataView = emptyView;
  private copy: Uint8Array | null = null;
  private pos = 0;

  /** Points the reader at `body`, positioned after its kind byte, and returns the kind. */
  reset(body: Uint8Array): number {
    this.body = body;
    this.view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    this.copy = null;
    const kind = peerKind(body);
    this.pos = 1;
    return kind;
  }

  /** The offset of the next field (for error messages of decoders built on this reader). */
  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.body.length - this.pos;
  }

  u8(): number {
    this.need(1);
    return this.body[this.pos++];
  }

  u32(): number {
    this.need(4);
    const value = this.view.getUint32(this.pos);
    this.pos += 4;
    return value;
  }

  /** Any double, bit for bit. */
  f64(): number {
    this.need(8);
    const value = this.view.getFloat64(this.pos);
    this.pos += 8;
    return value;
  }

  /** A non-negative integer below 2^53, as PeerWriter.uint writes it. */
  uint(): number {
    const at = this.pos;
    const value = this.f64();
    if (!(value >= 0 && value < twoPow53 && Math.floor(value) === value) || Object.is(value, -0)) {
      throw new PeerDecodeError("value", `${value} is not a non-negative integer`, at);
    }
    return value;
  }

  /** A member id: a u32 that is not 0. */
  id(): NodeId {
    const at = this.pos;
    const value = this.u32();
    if (value === 0) throw new PeerDecodeError("value", "member id 0", at);
    return value;
  }

  /** A flag byte: exactly 0 or 1. */
  bool(): boolean {
    const at = this.pos;
    const value = this.u8();
    if (value > 1) throw new PeerDecodeError("value", `flag byte ${value} is not 0 or 1`, at);
    return value === 1;
  }

  /**
   * A count of elements each at least `elementBytesMin` long, refused before anything is
   * allocated when the bytes left could not hold that many.
   */
  count(elementBytesMin: number): number {
    const at = this.pos;
    const n = this.u32();
    if (n * elementBytesMin > this.remaining) {
      throw new PeerDecodeError("count", `count ${n} does not fit in ${this.remaining} bytes`, at);
    }
    return n;
  }

  /** A byte string, as a view into the reader's private copy of the body. */
  bytes(): Uint8Array {
    const n = this.count(1);
    if (n === 0) return emptyBytes;
    if (this.copy === null) {
      // Not body.slice(): on a Node Buffer (what a socket delivers) slice() is a view.
      this.copy = new Uint8Array(this.body.length);
      this.copy.set(this.body);
    }
    const out = this.copy.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A UTF-8 string. */
  string(): string {
    const at = this.pos;
    const n = this.count(1);
    const raw = this.body.subarray(this.pos, this.pos + n);
    this.pos += n;
    try {
      return textDecoder.decode(raw);
    } catch {
      throw new PeerDecodeError("value", "string is not valid UTF-8", at);
    }
  }

  /** Checks that the body ends here. */
  end(): void {
    if (this.pos !== this.body.length) {
      throw new PeerDecodeError(
        "trailing",
        `${this.body.length - this.pos} bytes after the last field`,
        this.pos,
      );
    }
  }

  private need(n: number): void {
    if (this.pos + n > this.body.length) {
      throw new PeerDecodeError(
        "truncated",
        `needs ${n} bytes, ${this.body.length - this.pos} left`,
        this.pos,
      );
    }
  }
}

/**
 * The kind of a body (its first byte): PeerKind.raft, or a member kind in 16..63 for the
 * member's own decoders. Throws PeerDecodeError for an empty body or any other kind.
 */
export function peerKind(body: Uint8Array): number {
  if (body.length === 0) throw new PeerDecodeError("truncated", "empty body", 0);
  const kind = body[0];
  if (kind !== PeerKind.raft && (kind < PeerKind.memberFirst || kind > PeerKind.memberLast)) {
    throw new PeerDecodeError("kind", `unknown kind ${kind}`, 0);
  }
  return kind;
}

const messageTypeMax = MessageType.readIndexResp;
const entryKindMax = EntryKind.noOp;
/** The smallest encoded entry: term, index, kind, data length. */
const entryBytesMin = 8 + 8 + 1 + 4;

/** Encodes a Raft message into `w` and returns the body (a view of `w`, see PeerWriter). */
export function encodeRaftMessage(w: PeerWriter, m: Message): Uint8Array {
  w.begin(PeerKind.raft);
  w.u8(m.type);
  w.u32(m.from);
  w.u32(m.to);
  w.uint(m.term);
  w.uint(m.logTerm);
  w.uint(m.index);
  w.uint(m.commit);
  w.bool(m.reject);
  w.uint(m.rejectHint);
  w.uint(m.context);
  const entries = m.entries;
  w.u32(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    w.uint(e.term);
    w.uint(e.index);
    w.u8(e.kind);
    w.bytes(e.data);
  }
  const chunk = m.snapshot;
  w.bool(chunk !== null);
  if (chunk !== null) {
    w.uint(chunk.meta.index);
    w.uint(chunk.meta.term);
    writeIds(w, chunk.meta.conf.voters);
    writeIds(w, chunk.meta.conf.learners);
    w.uint(chunk.offset);
    w.uint(chunk.totalBytes);
    w.bytes(chunk.data);
  }
  return w.finish();
}

function writeIds(w: PeerWriter, ids: readonly NodeId[]): void {
  w.u32(ids.length);
  for (let i = 0; i < ids.length; i++) w.u32(ids[i]);
}

const sharedReader = new PeerReader();

/** Decodes a Raft message body. Throws PeerDecodeError, and only that, for a malformed one. */
export function decodeRaftMessage(body: Uint8Array): Message {
  const r = sharedReader;
  const kind = r.reset(body);
  if (kind !== PeerKind.raft) throw new PeerDecodeError("kind", `kind ${kind} is not Raft`, 0);
  return readRaftMessage(r);
}

/** Reads the payload of a kind-0 body from `r` (positioned after the kind byte) to its end. */
export function readRaftMessage(r: PeerReader): Message {
  const typeAt = r.offset;
  const type = r.u8();
  if (type > messageTypeMax) throw new PeerDecodeError("kind", `message type ${type}`, typeAt);
  const from = r.id();
  const to = r.id();
  const term = r.uint();
  const logTerm = r.uint();
  const index = r.uint();
  const commit = r.uint();
  const reject = r.bool();
  const rejectHint = r.uint();
  const context = r.uint();
  const entries = readEntries(r, type, term, logTerm, index);
  const chunkAt = r.offset;
  const hasChunk = r.bool();
  if (hasChunk !== (type === MessageType.snapshot)) {
    throw new PeerDecodeError(
      "inconsistent",
      hasChunk ? "snapshot chunk on a message of another type" : "snapshot message without chunk",
      chunkAt,
    );
  }
  const snapshot = hasChunk ? readChunk(r) : null;
  r.end();
  // Field for field in the order of raft/message.ts makeMessage, so decoded messages share
  // the hidden class of the core's own.
  return {
    type: type as MessageType,
    from,
    to,
    term,
    logTerm,
    index,
    entries,
    commit,
    reject,
    rejectHint,
    context,
    snapshot,
  };
}

function readEntries(
  r: PeerReader,
  type: number,
  term: number,
  logTerm: number,
  index: number,
): readonly Entry[] {
  const countAt = r.offset;
  const n = r.count(entryBytesMin);
  if (n === 0) return emptyEntries;
  if (type !== MessageType.append) {
    throw new PeerDecodeError("inconsistent", "entries on a message that is not append", countAt);
  }
  const entries: Entry[] = new Array(n);
  let prevTerm = logTerm;
  for (let i = 0; i < n; i++) {
    const at = r.offset;
    const entryTerm = r.uint();
    const entryIndex = r.uint();
    const kindAt = r.offset;
    const kind = r.u8();
    if (kind > entryKindMax) throw new PeerDecodeError("kind", `entry kind ${kind}`, kindAt);
    // The core's log asserts these of every append; from a peer they are bad input.
    if (entryIndex !== index + 1 + i) {
      throw new PeerDecodeError("inconsistent", `entry index ${entryIndex} out of sequence`, at);
    }
    if (entryTerm < prevTerm || entryTerm > term) {
      throw new PeerDecodeError("inconsistent", `entry term ${entryTerm} out of order`, at);
    }
    prevTerm = entryTerm;
    entries[i] = { term: entryTerm, index: entryIndex, kind: kind as EntryKind, data: r.bytes() };
  }
  return entries;
}

function readChunk(r: PeerReader): SnapshotChunk {
  const index = r.uint();
  const term = r.uint();
  const voters = readIds(r);
  const learnersAt = r.offset;
  const learners = readIds(r);
  // Both lists ascend, so one merge walk finds a common id in linear time.
  for (let v = 0, l = 0; v < voters.length && l < learners.length; ) {
    if (voters[v] === learners[l]) {
      throw new PeerDecodeError(
        "inconsistent",
        `member ${voters[v]} voter and learner`,
        learnersAt,
      );
    }
    if (voters[v] < learners[l]) v++;
    else l++;
  }
  const conf: ConfState = { voters, learners };
  const offset = r.uint();
  const totalBytes = r.uint();
  const dataAt = r.offset;
  const data = r.bytes();
  if (offset + data.length > totalBytes) {
    throw new PeerDecodeError(
      "inconsistent",
      `chunk [${offset}, ${offset + data.length}) beyond total ${totalBytes}`,
      dataAt,
    );
  }
  return { meta: { index, term, conf }, offset, totalBytes, data };
}

/** A list of member ids, strictly ascending (as ConfState keeps them). */
function readIds(r: PeerReader): NodeId[] {
  const n = r.count(4);
  const ids: NodeId[] = new Array(n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const at = r.offset;
    const id = r.id();
    if (id <= prev) throw new PeerDecodeError("inconsistent", "member ids not ascending", at);
    ids[i] = id;
    prev = id;
  }
  return ids;
}
