// ZooKeeper's digest authentication: `addauth digest user:password` gives the connection the
// id `user:base64(sha1("user:password"))`, the same string a digest ACL names
// (DigestAuthenticationProvider). Authentication itself never fails; ACLs decide.
import { createHash } from "node:crypto";

export function digestId(userColonPassword: string): string {
  const colon = userColonPassword.indexOf(":");
  const user = colon < 0 ? userColonPassword : userColonPassword.slice(0, colon);
  const hash = createHash("sha1").update(userColonPassword, "utf8").digest("base64");
  return `${user}:${hash}`;
}
