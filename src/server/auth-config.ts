// The authentication keys of zoo.cfg, as ZooKeeper 3.8 reads them (most as `zookeeper.*`
// system properties, which zoo.cfg sets through their bare spelling):
//
// - authProvider.<n>=<class>: registers an authentication provider; the sasl and x509 ACL
//   schemes exist only when their provider is registered (ip and digest always exist).
// - java.security.auth.login.config: the JAAS file whose Server section lists the
//   DIGEST-MD5 users (the cli also takes --jaas and SERVER_JVMFLAGS' -D form); the cli
//   reads the file and fills saslUsers.
// - superUser: the SASL user that is also super (zookeeper.superUser);
//   X509AuthenticationProvider.superUser: the certificate subject that is also super.
// - ssl.authProvider: which provider turns a TLS client certificate into an id; only x509.
// - enforce.auth.enabled / enforce.auth.schemes: a connection must hold an id of one of the
//   schemes before any request other than auth and sasl, or it gets
//   SESSIONCLOSEDREQUIRESASLAUTH and is closed. requireClientAuthScheme=sasl and
//   sessionRequireClientSASLAuth=true are the older spellings of enforcing sasl.

export interface AuthConfig {
  /** Schemes of the registered providers (ip and digest are always there). */
  providers: Set<string>;
  jaasConfigPath: string | null;
  /** DIGEST-MD5 users by name, from the JAAS Server section; null = SASL not configured. */
  saslUsers: ReadonlyMap<string, string> | null;
  saslSuperUser: string | null;
  enforceAuthEnabled: boolean;
  enforceAuthSchemes: string[];
  /** The certificate subject that is also super (X509AuthenticationProvider.superUser). */
  x509SuperUser: string | null;
}

export function defaultAuthConfig(): AuthConfig {
  return {
    providers: new Set(["ip", "digest"]),
    jaasConfigPath: null,
    saslUsers: null,
    saslSuperUser: null,
    enforceAuthEnabled: false,
    enforceAuthSchemes: [],
    x509SuperUser: null,
  };
}

export class AuthConfigError extends Error {
  override readonly name = "AuthConfigError";
}

const providerSchemes: ReadonlyMap<string, string> = new Map([
  ["org.apache.zookeeper.server.auth.SASLAuthenticationProvider", "sasl"],
  ["org.apache.zookeeper.server.auth.X509AuthenticationProvider", "x509"],
  ["org.apache.zookeeper.server.auth.DigestAuthenticationProvider", "digest"],
  ["org.apache.zookeeper.server.auth.IPAuthenticationProvider", "ip"],
]);

function flag(value: string): boolean {
  return value.trim().toLowerCase() === "true";
}

/** Applies one key (without `zookeeper.`); false for keys that are not about authentication. */
export function applyAuthKey(auth: AuthConfig, key: string, value: string): boolean {
  if (/^authProvider\.\w+$/.test(key)) {
    const scheme = providerSchemes.get(value.trim());
    if (scheme === undefined) return false;
    auth.providers.add(scheme);
    return true;
  }
  switch (key) {
    case "java.security.auth.login.config":
      auth.jaasConfigPath = value === "" ? null : value;
      return true;
    case "X509AuthenticationProvider.superUser":
      auth.x509SuperUser = value === "" ? null : value;
      return true;
    case "ssl.authProvider":
      if (value.trim() !== "x509") throw new AuthConfigError(`only x509 is known, got "${value}"`);
      return true;
    case "superUser":
      auth.saslSuperUser = value === "" ? null : value;
      return true;
    case "enforce.auth.enabled":
      auth.enforceAuthEnabled = flag(value);
      return true;
    case "enforce.auth.schemes":
      auth.enforceAuthSchemes = value
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
      return true;
    case "requireClientAuthScheme":
      if (value.trim() !== "sasl")
        throw new AuthConfigError(`only "sasl" is known, got "${value}"`);
      auth.enforceAuthEnabled = true;
      auth.enforceAuthSchemes = ["sasl"];
      auth.providers.add("sasl");
      return true;
    case "sessionRequireClientSASLAuth":
      if (flag(value)) {
        auth.enforceAuthEnabled = true;
        auth.enforceAuthSchemes = ["sasl"];
        auth.providers.add("sasl");
      }
      return true;
    default:
      return false;
  }
}

/** Checks the relations ZooKeeper checks at start-up; throws with the reason. */
export function checkAuthConfig(auth: AuthConfig): void {
  if (!auth.enforceAuthEnabled) return;
  if (auth.enforceAuthSchemes.length === 0) {
    throw new AuthConfigError("enforce.auth.enabled needs enforce.auth.schemes");
  }
  for (const scheme of auth.enforceAuthSchemes) {
    if (!auth.providers.has(scheme)) {
      throw new AuthConfigError(
        `enforce.auth.schemes names ${scheme}, which has no authProvider configured`,
      );
    }
  }
}

/** The sasl/x509 ACL schemes the configured providers enable (state/state.ts aclSchemes). */
export function aclSchemesOf(auth: AuthConfig): ReadonlySet<string> {
  return new Set([...auth.providers].filter((s) => s === "sasl" || s === "x509"));
}
