// ByteParts: lengths and slices read the parts as one sequence of bytes, whether a range lies
// inside one part (a view) or spans several (a copy), and clamp at the end.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bytePartsLength, bytePartsSlice, joinByteParts } from "../../src/base/byte-parts.js";

const whole = Uint8Array.from({ length: 40 }, (_, i) => i);
const split = [
  whole.subarray(0, 7),
  whole.subarray(7, 7),
  whole.subarray(7, 30),
  whole.subarray(30),
];

test("length and join see the parts back to back", () => {
  assert.equal(bytePartsLength(split), 40);
  assert.equal(bytePartsLength(whole), 40);
  assert.deepEqual(joinByteParts(split), whole);
  assert.equal(joinByteParts(whole), whole);
  assert.equal(bytePartsLength([]), 0);
});

test("every slice of the parts equals the same slice of the whole", () => {
  for (let start = 0; start <= 42; start++) {
    for (let end = start; end <= 45; end++) {
      assert.deepEqual(
        Array.from(bytePartsSlice(split, start, end)),
        Array.from(whole.subarray(start, end)),
        `[${start}, ${end})`,
      );
    }
  }
});

test("a slice inside one part is a view, not a copy", () => {
  const view = bytePartsSlice(split, 8, 20);
  assert.equal(view.buffer, whole.buffer);
  assert.equal(view.byteOffset, 8);
});
