// Proves the jute primitives behave as ZooKeeper's binary archive does (zookeeper-protocol.md
// §2) and that hostile bytes only ever produce a DecodeError: lengths and counts are checked
// against the bytes left and the configured maximum before anything is allocated, nulls are
// kept apart from empty values, longs beyond 2^53 round once to the nearest double, and the
// Writer reuses and grows its buffer without corrupting earlier bytes.

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { describe, it } from "node:test";
import {
  DecodeError,
  type DecodeErrorCode,
  juteLengthMax,
  OpCode,
  Reader,
  readACLList,
  readRequestBody,
  readResponseBody,
  readStringList,
  Writer,
} from "../../src/protocol/index.js";

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ""), "hex");
}

function decodeFails(code: DecodeErrorCode, decode: () => unknown): void {
  assert.throws(decode, (e: unknown) => e instanceof DecodeError && e.code === code);
}

describe("Reader", () => {
  it("reads ints and booleans big-endian, any non-zero byte is true", () => {
    const r = new Reader().reset(hex("80000000 ffffffff 00 02 01"));
    assert.equal(r.int(), -(2 ** 31));
    assert.equal(r.int(), -1);
    assert.equal(r.boolean(), false);
    assert.equal(r.boolean(), true);
    assert.equal(r.boolean(), true);
    assert.equal(r.remaining, 0);
  });

  it("reads longs exactly up to 2^53 and rounds once beyond", () => {
    const cases: [string, number][] = [
      ["0000000000000000", 0],
      ["ffffffffffffffff", -1],
      ["001fffffffffffff", 2 ** 53 - 1],
      ["ffe0000000000001", -(2 ** 53) + 1],
      ["0000000100000002", 2 ** 32 + 2],
      ["8000000000000000", -(2 ** 63)],
      ["7fffffffffffffff", 2 ** 63],
      // 2^56 + 2^16 + 1 rounds to the nearest double, 2^56 + 2^16.
      ["0100000000010001", 2 ** 56 + 2 ** 16],
    ];
    for (const [bytes, expected] of cases) {
      assert.equal(new Reader().reset(hex(bytes)).long(), expected, bytes);
      assert.equal(
        new Reader().reset(hex(bytes)).longBig(),
        BigInt.asIntN(64, BigInt(`0x${bytes}`)),
        bytes,
      );
    }
  });

  it("keeps null and empty buffers and strings apart, and returns views", () => {
    const frame = hex("ffffffff 00000000 00000002 6869 ffffffff 00000000 00000003 e282ac");
    const r = new Reader().reset(frame);
    assert.equal(r.buffer(), null);
    assert.deepEqual(r.buffer(), Buffer.alloc(0));
    const view = r.buffer();
    assert.deepEqual(view, Buffer.from("hi"));
    assert.equal(view?.buffer, frame.buffer, "a view, not a copy");
    assert.equal(r.ustring(), null);
    assert.equal(r.ustring(), "");
    assert.equal(r.ustring(), "€");
  });

  it("reads a plain Uint8Array and a sub-range", () => {
    const bytes = new Uint8Array([9, 9, 0, 0, 0, 5, 9]);
    const r = new Reader().reset(bytes, 2, 6);
    assert.equal(r.int(), 5);
    decodeFails("truncated", () => r.boolean());
  });

  it("refuses truncated primitives", () => {
    decodeFails("truncated", () => new Reader().reset(hex("000000")).int());
    decodeFails("truncated", () => new Reader().reset(hex("00000000000000")).long());
    decodeFails("truncated", () => new Reader().reset(hex("00000000000000")).longBig());
    decodeFails("truncated", () => new Reader().reset(hex("")).boolean());
    decodeFails("truncated", () => new Reader().reset(hex("00000003 6162")).buffer());
    decodeFails("truncated", () => new Reader().reset(hex("00000003 6162")).ustring());
  });

  it("refuses negative lengths other than -1 and lengths above the maximum", () => {
    decodeFails("length", () => new Reader().reset(hex("fffffffe")).buffer());
    decodeFails("length", () => new Reader().reset(hex("80000000")).ustring());
    const r = new Reader(4).reset(hex("00000005 0102030405"));
    decodeFails("length", () => r.buffer());
    assert.deepEqual(new Reader(5).reset(hex("00000005 0102030405")).buffer(), hex("0102030405"));
  });

  it("defaults the maximum to jute.maxbuffer plus ZooKeeper's extra allowance", () => {
    assert.equal(juteLengthMax(), 2 * 0xfffff);
    assert.equal(juteLengthMax(512), 512 + 1024);
    assert.equal(new Reader().lengthMax, 2 * 0xfffff);
  });

  it("requires strings the record cannot do without", () => {
    decodeFails("null", () => new Reader().reset(hex("ffffffff")).string());
  });

  it("bounds vector counts by the bytes left before allocating", () => {
    // A count of 2^31-1 strings in a 12-byte frame.
    decodeFails("count", () =>
      readStringList(new Reader().reset(hex("7fffffff 00000000 00000000"))),
    );
    decodeFails("count", () => readStringList(new Reader().reset(hex("fffffffe"))));
    // Two ACLs need at least 24 bytes.
    decodeFails("count", () => readACLList(new Reader().reset(hex(`00000002${"00".repeat(20)}`))));
    assert.equal(readStringList(new Reader().reset(hex("ffffffff"))), null);
    assert.deepEqual(readStringList(new Reader().reset(hex("00000000"))), []);
  });
});

describe("Writer", () => {
  it("writes longs from numbers, including rounded values beyond 2^53", () => {
    const w = new Writer(16);
    for (const value of [0, -1, 2 ** 53 - 1, -(2 ** 53), 2 ** 56 + 2 ** 16, -(2 ** 63), 2 ** 63]) {
      w.begin();
      w.long(value);
      assert.equal(new Reader().reset(w.finish()).long(), value, String(value));
    }
    w.begin();
    w.long(2 ** 64);
    assert.equal(w.finish().toString("hex"), "7fffffffffffffff");
  });

  it("writes bigints as signed 64-bit, wrapping as Java's long does", () => {
    const w = new Writer(16);
    w.begin();
    w.longBig(0xffffffffffffffffn);
    w.longBig(-(2n ** 63n));
    assert.equal(w.finish().toString("hex"), "ffffffffffffffff8000000000000000");
  });

  it("encodes strings as UTF-8 with their byte length, on both the ASCII and general paths", () => {
    const w = new Writer(16);
    const samples = ["", "/a/b", "ü", "x".repeat(100), `${"x".repeat(70)}€`, "😀", "\u0000"];
    for (const s of samples) {
      w.begin();
      w.ustring(s);
      const bytes = w.finish();
      assert.equal(bytes.readInt32BE(0), Buffer.byteLength(s), s);
      assert.equal(new Reader().reset(bytes).ustring(), s);
    }
    w.begin();
    w.ustring(null);
    w.buffer(null);
    assert.equal(w.finish().toString("hex"), "ffffffffffffffff");
  });

  it("grows and keeps earlier bytes; frames carry their length", () => {
    const w = new Writer(16);
    w.beginFrame();
    w.int(0x01020304);
    const big = Buffer.alloc(100_000, 7);
    w.buffer(big);
    w.boolean(true);
    const frame = w.finishFrame();
    assert.equal(frame.readInt32BE(0), frame.length - 4);
    const r = new Reader().reset(frame, 4);
    assert.equal(r.int(), 0x01020304);
    assert.deepEqual(r.buffer(), big);
    assert.equal(r.boolean(), true);
    // Reuse after growth starts from scratch.
    w.beginFrame();
    w.int(1);
    assert.equal(w.finishFrame().toString("hex"), "0000000400000001");
  });
});

describe("dispatch refuses what it does not know", () => {
  it("unknown request and response opcodes", () => {
    decodeFails("opcode", () => readRequestBody(new Reader().reset(hex("")), 99));
    decodeFails("opcode", () => readRequestBody(new Reader().reset(hex("")), OpCode.createSession));
    decodeFails("opcode", () => readResponseBody(new Reader().reset(hex("")), 99));
  });

  it("multi with an unknown op type, a read inside multi, a write inside multiRead", () => {
    const header = (type: string) => `${type} 00 ffffffff`;
    const path = "00000002 2f61";
    decodeFails("opcode", () =>
      readRequestBody(new Reader().reset(hex(`${header("00000009")} ${path}`)), OpCode.multi),
    );
    decodeFails("opcode", () =>
      readRequestBody(new Reader().reset(hex(`${header("00000004")} ${path} 00`)), OpCode.multi),
    );
    decodeFails("opcode", () =>
      readRequestBody(
        new Reader().reset(hex(`${header("00000002")} ${path} ffffffff`)),
        OpCode.multiRead,
      ),
    );
  });

  it("multi create with flags outside 0..6", () => {
    const create = "00000001 00 ffffffff  00000002 2f61  ffffffff  ffffffff  00000007";
    decodeFails("value", () => readRequestBody(new Reader().reset(hex(create)), OpCode.multi));
  });

  it("multi without its terminator is truncated", () => {
    const del = "00000002 00 ffffffff  00000002 2f61 ffffffff";
    decodeFails("truncated", () => readRequestBody(new Reader().reset(hex(del)), OpCode.multi));
  });

  it("multi response with an unknown result type", () => {
    decodeFails("opcode", () =>
      readResponseBody(new Reader().reset(hex("00000063 00 00000000")), OpCode.multi),
    );
  });
});
