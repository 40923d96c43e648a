// The skip rule of the suites that need a real peer (Apache ZooKeeper's jars and java, kazoo,
// Curator, the C client, node-zookeeper-client, zkCli.sh). On a developer's machine a missing
// peer skips its suite, with the reason. In CI (CI=true) a missing peer is an error: the
// suite fails at registration, naming what is missing, so that a renamed jar or an
// uninstalled package cannot turn hundreds of checks into green skips.

export class MissingPeerError extends Error {
  override readonly name = "MissingPeerError";
}

/** True where every suite's real peer must be present (CI=true, as CI services set it). */
export function peersRequired(): boolean {
  return process.env.CI === "true";
}

/**
 * The `skip` option for a test that needs a real peer: false when `reason` is empty, the
 * reason outside CI, and in CI a thrown MissingPeerError instead of a skip.
 */
export function peerSkip(reason: string | false | null | undefined): string | false {
  if (reason === undefined || reason === null || reason === false || reason === "") return false;
  if (peersRequired()) {
    throw new MissingPeerError(`CI=true and a real peer is missing: ${reason}`);
  }
  return reason;
}
