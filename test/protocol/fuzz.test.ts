// Proves that no input can make a decoder fail with anything but DecodeError: millions of
// frames made from the real golden frames (test/protocol/golden) by bit flips, byte changes,
// truncation, extension, length and count fields replaced with lies (-2, huge, off by one),
// splices of two frames and pure noise go through every decoder of the layer. It also checks
// that whatever decodes re-encodes to bytes that decode to the same record.
//
// The run is bounded (about 2 million decodes by default, a few seconds). Longer runs and
// replays:
//   CORRAL_FUZZ_DECODES=50000000 npm test -- fuzz      (a longer run)
//   CORRAL_FUZZ_SEED=1234 npm test -- fuzz             (replays the run of a printed seed)

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import {
  DecodeError,
  OpCode,
  Reader,
  readConnectRequest,
  readConnectResponse,
  readMultiRequest,
  readMultiResponse,
  readReplyHeader,
  readRequestBody,
  readRequestHeader,
  readResponseBody,
  readWatcherEvent,
  Writer,
  writeConnectRequest,
  writeConnectResponse,
  writeReplyHeader,
  writeRequestBody,
  writeRequestHeader,
  writeResponseBody,
  writeWatcherEvent,
} from "../../src/protocol/index.js";

const decodesTotal = Number(process.env.CORRAL_FUZZ_DECODES ?? 2_000_000);
const seed = Number(process.env.CORRAL_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));

/** sfc32: a small, fast, seedable generator; the test's only source of randomness. */
class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;
  constructor(seed: number) {
    this.a = seed | 0;
    this.b = (seed * 0x9e3779b9) | 0;
    this.c = 0x243f6a88 ^ seed;
    for (let i = 0; i < 16; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  below(n: number): number {
    return this.u32() % n;
  }
}

const enum Kind {
  connectRequest,
  connectResponse,
  request,
  reply,
  notification,
}

interface Sample {
  body: Buffer;
  kind: Kind;
  /** The opcode of a reply's request. */
  type: number;
}

/** The golden frames, without their length prefix, each with the decoder it belongs to. */
function corpus(): Sample[] {
  const golden: { conversations: { frames: { from: string; hex: string }[] }[] } = JSON.parse(
    readFileSync(
      new URL("../../../test/protocol/golden/zookeeper-3.8.0.json", import.meta.url),
      "utf8",
    ),
  );
  const samples: Sample[] = [];
  for (const { frames } of golden.conversations) {
    const typeOfXid = new Map<number, number>();
    let first = { client: true, server: true };
    for (const { from, hex } of frames) {
      const body = Buffer.from(hex, "hex").subarray(4);
      if (from === "client") {
        if (first.client) samples.push({ body, kind: Kind.connectRequest, type: 0 });
        else {
          typeOfXid.set(body.readInt32BE(0), body.readInt32BE(4));
          samples.push({ body, kind: Kind.request, type: 0 });
        }
        first = { ...first, client: false };
      } else {
        const xid = body.readInt32BE(0);
        if (first.server) samples.push({ body, kind: Kind.connectResponse, type: 0 });
        else if (xid === -1) samples.push({ body, kind: Kind.notification, type: 0 });
        else samples.push({ body, kind: Kind.reply, type: typeOfXid.get(xid) ?? OpCode.ping });
        first = { ...first, server: false };
      }
    }
  }
  return samples;
}

const opcodes = [
  1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 100, 101, 102, 103,
  104, 105, 106, 107, -11, 0, -1, -10, 10, 23, 99, 108, 0x7fffffff,
];
const lies = [-1, -2, 0, 1, 3, 4, 0x7fffffff, -0x80000000, 0xfffff, 0x100000, 0x1ffffe, 0x1fffff];

/** Applies one to three random mutations to `bytes[0, length)`; returns the new length. */
function mutate(rng: Rng, bytes: Buffer, length: number, other: Buffer): number {
  const rounds = 1 + rng.below(3);
  for (let round = 0; round < rounds; round++) {
    switch (rng.below(8)) {
      case 0: // flip bits
        for (let i = 1 + rng.below(8); i > 0 && length > 0; i--) {
          bytes[rng.below(length)] ^= 1 << rng.below(8);
        }
        break;
      case 1: // random bytes
        for (let i = 1 + rng.below(4); i > 0 && length > 0; i--) {
          bytes[rng.below(length)] = rng.below(256);
        }
        break;
      case 2: // truncate
        length = rng.below(length + 1);
        break;
      case 3: // extend with noise
        for (let i = 1 + rng.below(16); i > 0 && length < bytes.length; i--) {
          bytes[length++] = rng.below(256);
        }
        break;
      case 4: // a length or count field that lies (aligned where jute fields usually are)
      case 5:
        if (length >= 4) {
          const at = rng.below(2) === 0 ? rng.below(length - 3) & ~3 : rng.below(length - 3);
          const current = bytes.readInt32BE(at);
          const lie =
            rng.below(3) === 0 ? current + rng.below(5) - 2 : lies[rng.below(lies.length)];
          bytes.writeInt32BE(lie | 0, at);
        }
        break;
      case 6: // splice the tail of another frame
        if (other.length > 0) {
          const from = rng.below(other.length);
          const at = rng.below(length + 1);
          const n = Math.min(other.length - from, bytes.length - at);
          other.copy(bytes, at, from, from + n);
          length = at + n;
        }
        break;
      default: // noise
        length = rng.below(64);
        for (let i = 0; i < length; i++) bytes[i] = rng.below(256);
    }
  }
  return length;
}

/** Decodes `kind` and re-encodes what was decoded into `w` (unframed). */
function decodeAndEncode(r: Reader, w: Writer, kind: Kind, type: number, rng: Rng): unknown {
  w.begin();
  switch (kind) {
    case Kind.connectRequest: {
      const record = readConnectRequest(r);
      writeConnectRequest(w, record);
      return record;
    }
    case Kind.connectResponse: {
      const record = readConnectResponse(r);
      writeConnectResponse(w, record);
      return record;
    }
    case Kind.request: {
      const header = readRequestHeader(r);
      const body = readRequestBody(r, header.type);
      writeRequestHeader(w, header.xid, header.type);
      writeRequestBody(w, header.type, body);
      return [header, body];
    }
    case Kind.reply: {
      const header = readReplyHeader(r);
      const body = readResponseBody(r, type);
      writeReplyHeader(w, header.xid, header.zxid, header.err);
      writeResponseBody(w, type, body);
      return [header, body];
    }
    case Kind.notification: {
      const header = readReplyHeader(r);
      const event = readWatcherEvent(r);
      writeReplyHeader(w, header.xid, header.zxid, header.err);
      writeWatcherEvent(w, event);
      return [header, event];
    }
    default: {
      // Bodies fed straight to the multi decoders, whatever they were.
      if (rng.below(2) === 0) return readMultiRequest(r, rng.below(2) === 0 ? 14 : 22);
      return readMultiResponse(r);
    }
  }
}

it(`fuzz: ${decodesTotal} mutated frames raise only DecodeError (seed ${seed})`, () => {
  console.log(`fuzz seed ${seed} (replay with CORRAL_FUZZ_SEED=${seed}), ${decodesTotal} decodes`);
  const rng = new Rng(seed);
  const samples = corpus();
  assert.ok(samples.length > 200, "golden corpus present");
  const scratch = Buffer.alloc(64 * 1024);
  const readers = [new Reader(), new Reader(64)];
  const checkReader = new Reader();
  const w = new Writer();
  const check = new Writer();
  let decoded = 0;
  let refused = 0;

  for (let n = 0; n < decodesTotal; n++) {
    const sample = samples[rng.below(samples.length)];
    sample.body.copy(scratch);
    let length = sample.body.length;
    if (rng.below(16) !== 0) {
      length = mutate(rng, scratch, length, samples[rng.below(samples.length)].body);
    }
    // Mostly the frame's own decoder, so mutations reach deep; sometimes any decoder.
    let kind = sample.kind;
    let type = sample.type;
    if (rng.below(4) === 0) {
      kind = rng.below(6) as Kind;
      type = opcodes[rng.below(opcodes.length)];
    }
    // An exact-size copy, so that a read past the end hits the end of a real buffer.
    const input = Buffer.from(scratch.subarray(0, length));
    const r = readers[rng.below(8) === 0 ? 1 : 0].reset(input);
    let record: unknown;
    try {
      record = decodeAndEncode(r, w, kind, type, rng);
    } catch (e) {
      if (e instanceof DecodeError) {
        refused++;
        continue;
      }
      const hex = input.toString("hex");
      assert.fail(
        `seed ${seed}, decode ${n}: ${kind}/${type} threw ${e} for ${hex}\n${(e as Error).stack}`,
      );
    }
    decoded++;
    assert.ok(r.offset <= length, `seed ${seed}, decode ${n}: read past the end`);
    // Whatever decodes must re-encode to bytes that decode to the same record.
    if (kind <= Kind.notification && (n & 31) === 0) {
      const again = decodeAndEncode(checkReader.reset(w.finish()), check, kind, type, rng);
      assert.deepStrictEqual(again, record, `seed ${seed}, decode ${n}: re-encoding differs`);
    }
  }
  console.log(`fuzz: ${decoded} decoded, ${refused} refused with DecodeError`);
  assert.ok(refused > decodesTotal / 10 && decoded > decodesTotal / 100, "both outcomes occur");
});
