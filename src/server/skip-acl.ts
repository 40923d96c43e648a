// ZooKeeper's zookeeper.skipACL: set to exactly "yes" (the JVM property in SERVER_JVMFLAGS, or
// skipACL=yes in zoo.cfg), it turns every ACL check off for every client: reads, writes,
// setACL, getACL (whose digests then show unmasked, as to an ADMIN), the READ filter on
// recursive watches, and reconfig's WRITE on /zookeeper/config. What is not an ACL check
// stays: an ACL's own form (`auth` without an authenticated id is still InvalidACL), SASL's
// enforce.auth, the super user's other powers, and whoami's answer.
//
// Corral grants it through the super identity, which passes every check (tree/acl.ts): the ids
// a read is checked with are the super identity alone, and a write's or a reconfig's entry
// carries it beside the client's own ids. Because the entry carries it, every member's
// apply() gives the same answer whatever its own setting. The member that took the request
// decides, where ZooKeeper's leader decides for writes (its PrepRequestProcessor checks them);
// the two agree whenever the members agree, as they should.
import type { Id } from "../protocol/records.js";
import { superId } from "../tree/acl.js";

/** ZooKeeper's line at start (it logs it at INFO; Corral warns, since nothing is protected). */
export const skipAclStartLine = 'zookeeper.skipACL=="yes", ACL checks will be skipped';

/** ZooKeeper's warning on each reconfig while skipACL is on. */
export const skipAclReconfigLine = "skipACL is set, reconfig operation will skip ACL checks!";

/** The ids a read's ACL checks see with skipACL: the super identity alone. */
export const skipAclCheckIds: readonly Id[] = Object.freeze([superId]);

/** The ids a write's entry carries: the connection's own, and the super identity with skipACL. */
export function entryAuthIds(authIds: readonly Id[], skipAcl: boolean): Id[] {
  const ids = authIds.slice();
  if (skipAcl) ids.push(superId);
  return ids;
}
