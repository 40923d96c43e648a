// The zoo.cfg keys that secure the links between members, read as ZooKeeper 3.8 reads them:
//
// - sslQuorum=true: every peer link is TLS, authenticated in both directions. The
//   `ssl.quorum.*` keys mean what the client port's `ssl.*` keys mean (server/ssl-config.ts
//   parses both): keyStore/trustStore location, password, passwordPath and type; protocol,
//   enabledProtocols, ciphersuites, clientAuth and hostnameVerification. ZooKeeper verifies
//   host names on quorum links (unlike the client port), so hostnameVerification matters here.
// - sslQuorumReloadCertFiles=true: the quorum stores are reloaded when their files change
//   (off by default, as in ZooKeeper; the client port always reloads).
// - quorum.auth.enableSasl: members authenticate each other with the credentials of a JAAS
//   file (QuorumServer: `user_<name>="<password>"` entries that an accepting member checks;
//   QuorumLearner: `username` and `password` that a dialling member presents).
//   quorum.auth.learnerRequireSasl: a dialling member authenticates, and keeps the link only
//   if the accepting member proves it knows the password too. quorum.auth.serverRequireSasl:
//   an accepting member refuses a dialler that did not authenticate. Both false is the
//   first step of ZooKeeper's rolling upgrade (nobody is refused yet).
// - quorum.auth.learner.saslLoginContext / quorum.auth.server.saslLoginContext: the JAAS
//   section names (QuorumLearner, QuorumServer by default).
//
// Parsing is pure; the cli reads the JAAS file into `serverUsers` and `learnerCredentials`.
import { applySslKey, defaultSslConfig, type SslConfig } from "./ssl-config.js";

export interface QuorumAuthConfig {
  enableSasl: boolean;
  learnerRequireSasl: boolean;
  serverRequireSasl: boolean;
  learnerLoginContext: string;
  serverLoginContext: string;
  /** The QuorumServer section's users (name -> password); null until the cli reads them. */
  serverUsers: ReadonlyMap<string, string> | null;
  /** The QuorumLearner section's login; null until the cli reads it. */
  learnerCredentials: { readonly username: string; readonly password: string } | null;
}

export interface QuorumSecurityConfig {
  sslQuorum: boolean;
  /** The `ssl.quorum.*` keys, in the client port's shape. */
  ssl: SslConfig;
  reloadCertFiles: boolean;
  auth: QuorumAuthConfig;
}

export class QuorumSecurityConfigError extends Error {
  override readonly name = "QuorumSecurityConfigError";
}

export function defaultQuorumSecurityConfig(): QuorumSecurityConfig {
  return {
    sslQuorum: false,
    ssl: defaultSslConfig(),
    reloadCertFiles: false,
    auth: {
      enableSasl: false,
      learnerRequireSasl: false,
      serverRequireSasl: false,
      learnerLoginContext: "QuorumLearner",
      serverLoginContext: "QuorumServer",
      serverUsers: null,
      learnerCredentials: null,
    },
  };
}

function flag(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === "true") return true;
  if (v === "false") return false;
  throw new QuorumSecurityConfigError(`expected true or false, got "${value}"`);
}

function section(value: string): string {
  if (!/^[^\s{};="]+$/.test(value)) {
    throw new QuorumSecurityConfigError(`expected a JAAS section name, got "${value}"`);
  }
  return value;
}

/**
 * Applies one key (without the `zookeeper.` prefix). Returns false for keys that are not
 * about peer-link security, or that Corral does not act on (ssl.quorum.ocsp and the like,
 * which the caller reports).
 */
export function applyQuorumSecurityKey(
  q: QuorumSecurityConfig,
  key: string,
  value: string,
): boolean {
  if (key.startsWith("ssl.quorum.")) {
    // ssl.quorum.keyStore.location reads as ssl.keyStore.location does, into the quorum's own.
    return applySslKey(q.ssl, `ssl.${key.slice("ssl.quorum.".length)}`, value);
  }
  const auth = q.auth;
  switch (key) {
    case "sslQuorum":
      q.sslQuorum = flag(value);
      return true;
    case "sslQuorumReloadCertFiles":
      q.reloadCertFiles = flag(value);
      return true;
    case "quorum.auth.enableSasl":
      auth.enableSasl = flag(value);
      return true;
    case "quorum.auth.learnerRequireSasl":
      auth.learnerRequireSasl = flag(value);
      return true;
    case "quorum.auth.serverRequireSasl":
      auth.serverRequireSasl = flag(value);
      return true;
    case "quorum.auth.learner.saslLoginContext":
      auth.learnerLoginContext = section(value);
      return true;
    case "quorum.auth.server.saslLoginContext":
      auth.serverLoginContext = section(value);
      return true;
    default:
      return false;
  }
}

/** The relations ZooKeeper's QuorumPeerConfig checks, and what TLS needs; throws why. */
export function checkQuorumSecurityConfig(q: QuorumSecurityConfig): void {
  const a = q.auth;
  if (!a.enableSasl && a.serverRequireSasl) {
    throw new QuorumSecurityConfigError(
      "quorum.auth.enableSasl is disabled, so quorum.auth.serverRequireSasl cannot be enabled",
    );
  }
  if (!a.enableSasl && a.learnerRequireSasl) {
    throw new QuorumSecurityConfigError(
      "quorum.auth.enableSasl is disabled, so quorum.auth.learnerRequireSasl cannot be enabled",
    );
  }
  // A member that refuses unauthenticated diallers but does not authenticate itself would
  // refuse its own kind: ZooKeeper refuses this combination at start-up too.
  if (!a.learnerRequireSasl && a.serverRequireSasl) {
    throw new QuorumSecurityConfigError(
      "quorum.auth.learnerRequireSasl is disabled, so quorum.auth.serverRequireSasl cannot be enabled",
    );
  }
  if (q.sslQuorum && q.ssl.keyStore.location === null) {
    throw new QuorumSecurityConfigError(
      "sslQuorum needs ssl.quorum.keyStore.location (this member's certificate)",
    );
  }
}
