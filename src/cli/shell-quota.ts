// zkCli.sh 3.8's quota commands for `corral shell`: setquota, listquota and delquota do on
// the client exactly the reads and writes zkCli does (quota nodes under /zookeeper/quota, as
// in zookeeper-protocol.md §9.5) and print what it prints, on the same stream. The quota
// text is written in the form 3.8's StatsTrack gives it, quirk included: when there are keys
// besides count and bytes, a stray "=" follows bytes ("count=5,bytes=-1=;byteHardLimit=-1;
// countHardLimit=-1"), which ZooKeeper's own parser, and Corral's (src/tree/quota.ts), read
// back as bytes=-1.
import type { ZooKeeperClient } from "../client/client.js";
import { NodeExistsError, NoNodeError } from "../client/errors.js";
import { StatsTrack } from "../tree/quota.js";

const quotaRoot = "/zookeeper/quota";
const limitNode = "zookeeper_limits";
const statNode = "zookeeper_stats";

/** What a quota command writes to: zkCli's System.out and System.err. */
export interface ShellStreams {
  out(line: string): void;
  err(line: string): void;
}

/** 3.8's StatsTrack.toString(): count and bytes, then "=" and the other keys, sorted. */
export function statsTrackText(stats: StatsTrack): string {
  let out = `count=${stats.count},bytes=${stats.bytes}`;
  const others = [...stats.values.keys()].filter((k) => k !== "count" && k !== "bytes").sort();
  if (others.length > 0) {
    out += "=";
    for (const k of others) out += `;${k}=${stats.get(k)}`;
  }
  return out;
}

const limitPathOf = (path: string): string => `${quotaRoot}${path}/${limitNode}`;
const statPathOf = (path: string): string => `${quotaRoot}${path}/${statNode}`;

async function readStats(zk: ZooKeeperClient, path: string): Promise<StatsTrack> {
  const r = await zk.getData(path);
  return new StatsTrack(r.data.toString("latin1"));
}

async function children(zk: ZooKeeperClient, path: string): Promise<string[] | null> {
  try {
    return await zk.getChildren(path);
  } catch (e) {
    if (e instanceof NoNodeError) return null;
    throw e;
  }
}

/** Refuses a quota below another quota's path, as zkCli's checkIfParentQuota does. */
async function checkParents(zk: ZooKeeperClient, path: string): Promise<void> {
  let dir = quotaRoot;
  for (const part of path.split("/")) {
    if (part === "") continue;
    dir += `/${part}`;
    const kids = await children(zk, dir);
    if (kids === null || kids.length === 0) return;
    if (dir !== quotaRoot + path && kids.includes(limitNode)) {
      throw new Error(`${path} has a parent ${dir.slice(quotaRoot.length)} which has a quota`);
    }
  }
}

/** Refuses a quota above another quota's path, as zkCli's checkIfChildQuota does. */
async function checkChildren(zk: ZooKeeperClient, path: string): Promise<void> {
  const top = quotaRoot + path;
  const stack = [top];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    const kids = await children(zk, dir);
    if (kids === null) continue;
    for (const k of kids) {
      if (k === limitNode && dir !== top) {
        throw new Error(`${path} has a child ${dir.slice(quotaRoot.length)} which has a quota`);
      }
      stack.push(`${dir}/${k}`);
    }
  }
}

async function createIfAbsent(zk: ZooKeeperClient, path: string, data: string | null) {
  try {
    await zk.create(path, data);
  } catch (e) {
    if (!(e instanceof NodeExistsError)) throw e;
  }
}

/** `setquota -n|-b|-N|-B val path`. */
export async function setQuota(
  zk: ZooKeeperClient,
  io: ShellStreams,
  option: string,
  value: string,
  path: string,
): Promise<void> {
  if (path.startsWith(quotaRoot)) {
    io.err(`cannot set a quota under the path: ${quotaRoot}`);
    return;
  }
  const quota = new StatsTrack();
  for (const key of ["count", "bytes", "countHardLimit", "byteHardLimit"]) quota.set(key, -1);
  const n = Number(value);
  if (!/^-?\d+$/.test(value)) {
    io.err("NumberFormatException happens when parsing the option value");
    return;
  }
  const isCount = option === "n" || option === "N";
  if (isCount ? n <= 0 : n < 0) {
    io.err(
      isCount
        ? "the num quota must be greater than zero"
        : "the bytes quota must be greater than or equal to zero",
    );
    return;
  }
  const key = { n: "count", b: "bytes", N: "countHardLimit", B: "byteHardLimit" }[option]!;
  quota.set(key, n);
  if ((await zk.exists(path)) === null) throw new Error(`${path} does not exist.`);
  await checkChildren(zk, path);
  await checkParents(zk, path);
  let dir = quotaRoot;
  for (const part of path.split("/").slice(1)) {
    dir += `/${part}`;
    if ((await zk.exists(dir)) === null) await createIfAbsent(zk, dir, null);
  }
  const limits = `${dir}/${limitNode}`;
  if ((await zk.exists(limits)) === null) {
    await zk.create(limits, statsTrackText(quota));
    const zero = new StatsTrack();
    zero.set("count", 0);
    zero.set("bytes", 0);
    await zk.create(`${dir}/${statNode}`, statsTrackText(zero));
    return;
  }
  // An existing quota keeps what this command does not set.
  const merged = await readStats(zk, limits);
  for (const [k, v] of quota.values) if (v > -1) merged.set(k, v);
  await zk.setData(limits, statsTrackText(merged));
}

/** `listquota path`. */
export async function listQuota(zk: ZooKeeperClient, io: ShellStreams, path: string) {
  io.err(`absolute path is ${limitPathOf(path)}`);
  try {
    const limits = await readStats(zk, limitPathOf(path));
    const stats = await readStats(zk, statPathOf(path));
    io.out(`Output quota for ${path} ${statsTrackText(limits)}`);
    io.out(`Output stat for ${path} ${statsTrackText(stats)}`);
  } catch (e) {
    if (!(e instanceof NoNodeError)) throw e;
    io.err(`quota for ${path} does not exist.`);
  }
}

/** `delquota [-n|-b|-N|-B] path`: one limit, or the whole quota without an option. */
export async function delQuota(
  zk: ZooKeeperClient,
  io: ShellStreams,
  options: ReadonlySet<string>,
  path: string,
): Promise<void> {
  const dir = quotaRoot + path;
  const limits = limitPathOf(path);
  if ((await zk.exists(limits)) === null) {
    io.out(`Quota does not exist for ${path}`);
    return;
  }
  let stats: StatsTrack;
  try {
    stats = await readStats(zk, limits);
  } catch (e) {
    if (!(e instanceof NoNodeError)) throw e;
    io.err(`quota for ${path} does not exist.`);
    return;
  }
  const keys = { n: "count", b: "bytes", N: "countHardLimit", B: "byteHardLimit" };
  const chosen = Object.entries(keys).filter(([flag]) => options.has(flag));
  if (chosen.length === 0) {
    for (const child of (await children(zk, dir)) ?? []) await zk.delete(`${dir}/${child}`);
    // Then every quota directory left empty, up to /zookeeper/quota.
    let p = dir;
    while (p !== quotaRoot) {
      const kids = await children(zk, p);
      if (kids === null || kids.length > 0) break;
      await zk.delete(p);
      p = p.slice(0, p.lastIndexOf("/"));
    }
    return;
  }
  for (const [, key] of chosen) stats.set(key, -1);
  await zk.setData(limits, statsTrackText(stats));
}
