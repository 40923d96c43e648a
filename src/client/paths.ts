// Client-side path rules: the Java client's PathUtils.validatePath (zookeeper-protocol.md §10)
// checked before a request is sent, so that a typo fails at once with a clear message, and
// the chroot arithmetic (prefix on the way out, strip on the way back).

import { BadArgumentsError } from "./errors.js";

/**
 * Throws BadArgumentsError unless `path` is a valid absolute znode path. `sequential` allows
 * a trailing "/" (a sequential create appends the suffix to it, as ZooKeeper allows).
 */
export function validatePath(path: string, sequential = false): void {
  if (typeof path !== "string" || path.length === 0) {
    throw new BadArgumentsError(undefined, "path must be a non-empty string");
  }
  if (path.charCodeAt(0) !== 0x2f) {
    throw new BadArgumentsError(path, `path must start with / : "${path}"`);
  }
  if (path.length === 1) return;
  if (path.charCodeAt(path.length - 1) === 0x2f && !sequential) {
    throw new BadArgumentsError(path, `path must not end with / : "${path}"`);
  }
  let segmentStart = 1;
  for (let i = 1; i <= path.length; i++) {
    const c = i < path.length ? path.charCodeAt(i) : 0x2f;
    if (c === 0x2f) {
      const length = i - segmentStart;
      if (length === 0 && i < path.length) {
        throw new BadArgumentsError(path, `empty node name in "${path}"`);
      }
      if (
        (length === 1 && path.charCodeAt(segmentStart) === 0x2e) ||
        (length === 2 &&
          path.charCodeAt(segmentStart) === 0x2e &&
          path.charCodeAt(segmentStart + 1) === 0x2e)
      ) {
        throw new BadArgumentsError(path, `relative segment in "${path}"`);
      }
      segmentStart = i + 1;
      continue;
    }
    if (
      c === 0 ||
      (c > 0 && c < 0x20) ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0xd800 && c <= 0xf8ff) ||
      c >= 0xfff0
    ) {
      throw new BadArgumentsError(path, `invalid character U+${c.toString(16)} in path`);
    }
  }
}

/** The server path of a client path under `chroot` ("" for none). */
export function prependChroot(chroot: string, path: string): string {
  if (chroot === "") return path;
  return path === "/" ? chroot : chroot + path;
}

/** The client path of a server path under `chroot`, or null for a path outside it. */
export function clientPathOf(chroot: string, serverPath: string): string | null {
  if (chroot === "") return serverPath;
  if (serverPath === chroot) return "/";
  if (serverPath.startsWith(chroot) && serverPath.charCodeAt(chroot.length) === 0x2f) {
    return serverPath.slice(chroot.length);
  }
  return null;
}

/** The client path of a server path under `chroot`; paths outside it come back unchanged. */
export function stripChroot(chroot: string, serverPath: string): string {
  return clientPathOf(chroot, serverPath) ?? serverPath;
}

/** Parent of an absolute path; "/" for a top-level node and for "/" itself. */
export function parentPath(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/** Last segment of an absolute path ("" for "/"). */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Joins a parent path and a child name. */
export function joinPath(parent: string, child: string): string {
  return parent === "/" ? `/${child}` : `${parent}/${child}`;
}
