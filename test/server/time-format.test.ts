// Proves the dump word's time format matches Java's Date.toString() in UTC across dates.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatJavaDateUtc } from "../../src/server/time-format.js";

test("formats like Java's Date.toString in UTC", () => {
  assert.equal(formatJavaDateUtc(0), "Thu Jan 01 00:00:00 UTC 1970");
  assert.equal(
    formatJavaDateUtc(Date.UTC(2026, 10, 23, 9, 42, 18)),
    "Mon Nov 23 09:42:18 UTC 2026",
  );
  assert.equal(
    formatJavaDateUtc(Date.UTC(2024, 1, 29, 23, 59, 59, 999)),
    "Thu Feb 29 23:59:59 UTC 2024",
  );
  for (let ms = 0; ms < 4e12; ms += 7.3e9) {
    const d = new Date(ms);
    const expected = d
      .toUTCString()
      .replace(/^(\w+), (\d+) (\w+) (\d+) (\S+) GMT$/, "$1 $3 $2 $5 UTC $4");
    assert.equal(formatJavaDateUtc(ms), expected);
  }
});
