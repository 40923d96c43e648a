// Proves the member's leadership transfer request (peer message kind 18) round-trips its term
// and target, and that a truncated body or one with trailing bytes raises PeerDecodeError
// only, so a hostile peer cannot make the leader act on a half-read request.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PeerDecodeError, PeerReader, PeerWriter } from "../../src/server/peer-codec.js";
import { encodeTransfer, MemberKind, readTransfer } from "../../src/server/peer-messages.js";

test("a transfer request carries its term and target", () => {
  const w = new PeerWriter();
  const r = new PeerReader();
  for (const [term, target] of [
    [1, 0],
    [7, 3],
    [2 ** 32 + 5, 255],
  ]) {
    const body = encodeTransfer(w, term, target).slice();
    assert.equal(r.reset(body), MemberKind.transfer);
    assert.deepEqual(readTransfer(r), { term, target });
  }
});

test("a truncated or padded transfer request is refused", () => {
  const body = encodeTransfer(new PeerWriter(), 9, 2).slice();
  const r = new PeerReader();
  for (let cut = 1; cut < body.length; cut++) {
    r.reset(body.subarray(0, cut));
    assert.throws(() => readTransfer(r), PeerDecodeError, `cut at ${cut}`);
  }
  const padded = new Uint8Array(body.length + 1);
  padded.set(body);
  r.reset(padded);
  assert.throws(() => readTransfer(r), PeerDecodeError);
});
