// The shape of a JSON answer: field names and JSON types, recursively, without values, so
// two servers' answers can be compared although their figures differ. Objects keyed by data
// (session ids, paths, times) are maps: their keys are replaced by "<key>" and their values
// merged. Arrays are described by their first element.

export type Shape = string | { [key: string]: Shape } | Shape[];

function isDataKey(key: string): boolean {
  return /^-?\d+$/.test(key) || key.startsWith("/");
}

export function shapeOf(value: unknown): Shape {
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length > 0 && entries.every(([k]) => isDataKey(k))) {
      return { "<key>": shapeOf(entries[0][1]) };
    }
    const out: { [key: string]: Shape } = {};
    for (const [k, v] of entries) out[k] = shapeOf(v);
    return out;
  }
  return typeof value;
}

/**
 * Differences between two shapes, as readable lines ("path: ours X, theirs Y"). An empty
 * array or map on either side matches any element shape (there is nothing to compare).
 * Keys listed in `extraAllowed` may exist only in ours, keys in `missingAllowed` only in
 * theirs.
 */
export function shapeDifferences(
  ours: Shape,
  theirs: Shape,
  options: { extraAllowed?: ReadonlySet<string>; missingAllowed?: ReadonlySet<string> } = {},
  path = "",
): string[] {
  if (Array.isArray(ours) && Array.isArray(theirs)) {
    if (ours.length === 0 || theirs.length === 0) return [];
    return shapeDifferences(ours[0], theirs[0], options, `${path}[]`);
  }
  if (typeof ours === "object" && typeof theirs === "object" && !Array.isArray(ours)) {
    const o = ours as Record<string, Shape>;
    const t = theirs as Record<string, Shape>;
    if (Object.keys(o).length === 0 || Object.keys(t).length === 0) {
      // An empty map on one side: nothing to compare.
      if ("<key>" in o || "<key>" in t || Object.keys(o).length + Object.keys(t).length === 0)
        return [];
    }
    const out: string[] = [];
    for (const k of Object.keys(o)) {
      const where = path === "" ? k : `${path}.${k}`;
      if (!(k in t)) {
        if (!options.extraAllowed?.has(where)) out.push(`${where}: only in ours`);
        continue;
      }
      out.push(...shapeDifferences(o[k], t[k], options, where));
    }
    for (const k of Object.keys(t)) {
      const where = path === "" ? k : `${path}.${k}`;
      if (!(k in o) && !options.missingAllowed?.has(where)) out.push(`${where}: only in theirs`);
    }
    return out;
  }
  if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
    return [`${path}: ours ${JSON.stringify(ours)}, theirs ${JSON.stringify(theirs)}`];
  }
  return [];
}
