// ZooKeeper's path rules (zookeeper-protocol.md §10) and the small string helpers the tree
// needs. Paths stay plain JS strings; checks run on UTF-16 code units exactly like
// PathUtils.validatePath does on Java chars, so the same paths pass and fail.

export const rootPath = "/";
export const zookeeperPath = "/zookeeper";
export const quotaPath = "/zookeeper/quota";
export const configPath = "/zookeeper/config";

/** True when `path` is a valid absolute znode path (PathUtils.validatePath). */
export function isValidPath(path: string): boolean {
  const n = path.length;
  if (n === 0 || path.charCodeAt(0) !== 0x2f) return false;
  if (n === 1) return true;
  if (path.charCodeAt(n - 1) === 0x2f) return false;
  let last = 0x2f;
  for (let i = 1; i < n; i++) {
    const c = path.charCodeAt(i);
    if (c === 0) return false;
    if (c === 0x2f && last === 0x2f) return false;
    if (c === 0x2e && last === 0x2e) {
      // ".." is rejected only as a whole segment.
      if (path.charCodeAt(i - 2) === 0x2f && (i + 1 === n || path.charCodeAt(i + 1) === 0x2f)) {
        return false;
      }
    } else if (c === 0x2e) {
      if (last === 0x2f && (i + 1 === n || path.charCodeAt(i + 1) === 0x2f)) return false;
    } else if (
      (c > 0 && c <= 0x1f) ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0xd800 && c <= 0xf8ff) ||
      c >= 0xfff0
    ) {
      return false;
    }
    last = c;
  }
  return true;
}

/**
 * The parent part of a path: everything before the last "/", which is "" for a top-level
 * node (ZooKeeper treats "" as the root's alias). Callers check that a "/" exists.
 */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? rootPath : path.slice(0, slash);
}

/** The last segment of a path (the child's name inside its parent). */
export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Joins a parent path and a child name without doubling the root's slash. */
export function childPath(parent: string, name: string): string {
  return parent === rootPath ? `/${name}` : `${parent}/${name}`;
}

/** The nodes delete refuses with BadArguments: the root and the built-in system nodes. */
export function isProtectedPath(path: string): boolean {
  return path === rootPath || path === zookeeperPath || path === quotaPath || path === configPath;
}

/**
 * The suffix of a sequential node: Java's `%010d` of the parent's child-creation counter,
 * zero padded to width 10 including the sign ("-000000005"; -2^31 keeps all 11 chars).
 */
export function sequenceSuffix(counter: number): string {
  if (counter >= 0) return String(counter).padStart(10, "0");
  return `-${String(-counter).padStart(9, "0")}`;
}

/** True when `path` is `ancestor` itself or lies below it (by whole segments). */
export function isAtOrBelow(path: string, ancestor: string): boolean {
  if (ancestor === rootPath) return true;
  return (
    path === ancestor ||
    (path.length > ancestor.length &&
      path.charCodeAt(ancestor.length) === 0x2f &&
      path.startsWith(ancestor))
  );
}
