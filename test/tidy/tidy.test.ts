// Proves the layering of docs/architecture.md holds for every file under src/: imports point
// only to allowed layers, and the pure layers (base, protocol, tree, state, raft) touch no
// node I/O, timers, Date or Math.random. The planted cases prove the checker itself bites.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkFile, importSpecifiers } from "./layering.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const src = join(root, "src");

function sources(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sources(path, out);
    else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

test("every source file respects the layering and purity rules", () => {
  const files = sources(src);
  assert.ok(files.length > 0, "found no sources");
  const violations = files.flatMap((f) => checkFile(relative(src, f), readFileSync(f, "utf8")));
  assert.deepEqual(violations, []);
});

test("import specifiers are found in every import form", () => {
  const text = [
    'import { a } from "./a.js";',
    'import type { B } from "../tree/b.js";',
    'import * as c from "node:fs";',
    'import "./side-effect.js";',
    'export { d } from "./d.js";',
    'const e = await import("node:net");',
    '// import { f } from "./commented.js";',
  ].join("\n");
  assert.deepEqual(importSpecifiers(text), [
    "./a.js",
    "../tree/b.js",
    "node:fs",
    "./side-effect.js",
    "./d.js",
    "node:net",
  ]);
});

test("planted violations are caught", () => {
  const cases: [string, string, RegExp][] = [
    ["tree/x.ts", 'import { readFileSync } from "node:fs";', /imports node:fs/],
    ["state/x.ts", 'import { Server } from "../server/member.js";', /state may not import server/],
    [
      "protocol/x.ts",
      'import { DataTree } from "../tree/tree.js";',
      /protocol may not import tree/,
    ],
    ["raft/x.ts", "const t = Date.now();", /Date/],
    ["base/x.ts", "const r = Math.random();", /Math.random/],
    ["state/x.ts", "setTimeout(() => {}, 1);", /timers/],
    [
      "client/x.ts",
      'import { Member } from "../server/member.js";',
      /client may not import server/,
    ],
    ["recipes/x.ts", 'import { apply } from "../state/apply.js";', /recipes may not import state/],
    ["tree/x.ts", 'import { x } from "left-pad";', /package left-pad/],
  ];
  for (const [file, text, expected] of cases) {
    const messages = checkFile(file, text).map((v) => v.message);
    assert.ok(
      messages.some((m) => expected.test(m)),
      `${file}: ${text} gave ${JSON.stringify(messages)}`,
    );
  }
  assert.deepEqual(
    checkFile(
      "tree/ok.ts",
      'import { OpCode } from "../protocol/constants.js";\nconst s = "Date";',
    ),
    [],
  );
  assert.deepEqual(checkFile("server/ok.ts", 'import { createServer } from "node:net";'), []);
});
