// The layering rules of docs/architecture.md as code: which layer may import which, and what
// the pure layers may not touch (node I/O, timers, the wall clock, Math.random). The tidy
// test runs these checks over src/ and over planted violations, so the rules cannot rot.

export const layers = [
  "base",
  "protocol",
  "tree",
  "state",
  "raft",
  "storage",
  "server",
  "io",
  "sim",
  "client",
  "recipes",
  "admin",
  "cli",
] as const;
export type Layer = (typeof layers)[number];

/** What each layer may import (besides itself). */
export const allowedImports: Record<Layer, readonly Layer[]> = {
  base: [],
  protocol: ["base"],
  tree: ["base", "protocol"],
  state: ["base", "protocol", "tree"],
  raft: ["base"],
  storage: ["base", "protocol", "tree", "state", "raft"],
  server: ["base", "protocol", "tree", "state", "raft", "storage"],
  io: ["base", "protocol", "tree", "state", "raft", "storage", "server"],
  sim: ["base", "protocol", "tree", "state", "raft", "storage", "server"],
  client: ["base", "protocol"],
  recipes: ["base", "protocol", "client"],
  admin: ["base", "protocol", "tree", "state", "raft", "storage", "server"],
  cli: [
    "base",
    "protocol",
    "tree",
    "state",
    "raft",
    "storage",
    "server",
    "io",
    "sim",
    "client",
    "recipes",
    "admin",
  ],
};

export const pureLayers: ReadonlySet<Layer> = new Set([
  "base",
  "protocol",
  "tree",
  "state",
  "raft",
]);

/**
 * Node modules a pure layer may use: pure computation only. zlib is here for crc32
 * (checksums of snapshots), buffer and util for byte and text helpers.
 */
const pureNodeModules = new Set(["node:zlib", "node:buffer", "node:util"]);

/** Globals that smuggle time, randomness or scheduling into a pure layer. */
const forbiddenGlobals: readonly [RegExp, string][] = [
  [/\bDate\b/, "Date (time must come in as data)"],
  [/\bMath\.random\b/, "Math.random (randomness must be injected)"],
  [/\bsetTimeout\b|\bsetInterval\b|\bsetImmediate\b/, "timers (use the injected Clock)"],
  [/\bperformance\.now\b|\bprocess\.hrtime\b/, "clock reads"],
  [/\bprocess\.(env|argv|exit|stdout|stderr)\b/, "process state"],
  [/\brequire\s*\(/, "require()"],
];

export interface Violation {
  file: string;
  message: string;
}

function stripComments(source: string): string {
  // Strings are kept (an import specifier is one); comments and their words are not code.
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

export function importSpecifiers(source: string): string[] {
  const code = stripComments(source);
  const out: string[] = [];
  const re =
    /(?:\bimport\s+(?:type\s+)?(?:[\w*{}\s,$]+\s+from\s+)?|\bexport\s+(?:type\s+)?[\w*{}\s,$]+\s+from\s+|\bimport\s*\(\s*)["']([^"']+)["']/g;
  for (let m = re.exec(code); m !== null; m = re.exec(code)) out.push(m[1]);
  return out;
}

/** The layer a path under src/ belongs to ("src/tree/x.ts" -> "tree"). */
export function layerOf(srcRelativePath: string): Layer | undefined {
  const first = srcRelativePath.split("/")[0];
  return (layers as readonly string[]).includes(first) ? (first as Layer) : undefined;
}

function resolveRelative(fromFile: string, specifier: string): string {
  const parts = fromFile.split("/").slice(0, -1);
  for (const piece of specifier.split("/")) {
    if (piece === "..") parts.pop();
    else if (piece !== ".") parts.push(piece);
  }
  return parts.join("/");
}

/** Checks one source file, given its path relative to src/ and its text. */
export function checkFile(srcRelativePath: string, source: string): Violation[] {
  const violations: Violation[] = [];
  const layer = layerOf(srcRelativePath);
  if (layer === undefined) {
    return [{ file: srcRelativePath, message: "file is not inside a known layer folder" }];
  }
  const pure = pureLayers.has(layer);
  for (const spec of importSpecifiers(source)) {
    if (spec.startsWith(".")) {
      const target = layerOf(resolveRelative(srcRelativePath, spec));
      if (target === undefined) {
        violations.push({ file: srcRelativePath, message: `import ${spec} leaves src/` });
      } else if (target !== layer && !allowedImports[layer].includes(target)) {
        violations.push({
          file: srcRelativePath,
          message: `${layer} may not import ${target} (${spec})`,
        });
      }
    } else if (pure) {
      if (!spec.startsWith("node:")) {
        violations.push({
          file: srcRelativePath,
          message: `pure layer ${layer} imports package ${spec}`,
        });
      } else if (!pureNodeModules.has(spec)) {
        violations.push({ file: srcRelativePath, message: `pure layer ${layer} imports ${spec}` });
      }
    } else if (!spec.startsWith("node:")) {
      // Runtime dependencies are few and chosen on purpose (docs/dependencies.md).
      if (!runtimePackages.has(spec)) {
        violations.push({ file: srcRelativePath, message: `import of unlisted package ${spec}` });
      }
    }
  }
  if (pure) {
    const code = stripComments(source).replace(/(["'`])(?:\\.|(?!\1)[^\\])*\1/g, '""');
    for (const [re, what] of forbiddenGlobals) {
      if (re.test(code))
        violations.push({ file: srcRelativePath, message: `pure layer ${layer} uses ${what}` });
    }
  }
  return violations;
}

/**
 * npm packages src/ may import at run time (impure layers only): commander for the cli,
 * prom-client for metrics; jks-js (Java keystores) and node-forge (PKCS12 trust stores,
 * which Node's pfx cannot read because they hold no key) for the TLS client port
 * (io/tls-context.ts).
 */
export const runtimePackages: ReadonlySet<string> = new Set<string>([
  "commander",
  "prom-client",
  "jks-js",
  "node-forge",
]);
