// What secures a member's peer links, built from its configuration: TLS from sslQuorum and
// the ssl.quorum.* keys (io/peer-tls.ts), member authentication from quorum.auth.*
// (io/peer-auth.ts). Throws, with the reason, when a store cannot be read or the JAAS
// sections are incomplete, so a member never starts less secure than it was configured.
import type { Logger } from "../base/logger.js";
import type { QuorumSecurityConfig } from "../server/quorum-security-config.js";
import { type PeerAuthSettings, peerAuthSettings } from "./peer-auth.js";
import { PeerTls } from "./peer-tls.js";

export function peerSecurity(
  q: QuorumSecurityConfig,
  logger: Logger,
): { tls?: PeerTls; auth?: PeerAuthSettings } {
  const auth = peerAuthSettings(q.auth) ?? undefined;
  let tls: PeerTls | undefined;
  if (q.sslQuorum) {
    try {
      tls = new PeerTls(q.ssl, q.reloadCertFiles, logger);
    } catch (err) {
      throw new Error(`sslQuorum: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  // One line that says how the links are secured, so that nobody has to infer it.
  logger.info("peer link security", {
    tls: tls === undefined ? "off" : `on (reload ${q.reloadCertFiles ? "on" : "off"})`,
    memberAuth:
      auth === undefined
        ? "off"
        : `on (learnerRequireSasl=${auth.authenticate}, serverRequireSasl=${auth.requireDiallers})`,
  });
  return { tls, auth };
}
