// ZooKeeper's `ssl.*` keys for the secure client port, read as ZooKeeper's X509Util reads
// them (zoo.cfg passes them on as `zookeeper.ssl.*` system properties; both spellings are
// accepted). Parsing is pure: files are named here and read by io/tls-context.ts.
//
// What each key means in Corral:
// - ssl.keyStore.{location,password,passwordPath,type}: the server's key and certificate
//   chain. Types PEM (key and certificates in one file), PKCS12 and JKS; without a type the
//   file name's extension decides (.pem, .p12/.pfx, .jks), as ZooKeeper's KeyStoreFileType.
// - ssl.trustStore.{location,password,passwordPath,type}: the CAs client certificates must
//   chain to. Without a trust store, Node's bundled CAs are used (Java uses its cacerts).
// - ssl.clientAuth: need (default), want or none, as ZooKeeper's ClientAuth.
// - ssl.protocol (default TLSv1.2) and ssl.enabledProtocols (default: ssl.protocol only).
// - ssl.ciphersuites: Java (IANA) suite names, translated to OpenSSL's.
// - ssl.hostnameVerification: ZooKeeper's server verifies client host names only on quorum
//   links (ClientX509Util.shouldVerifyClientHostname is false), so on the client port the
//   key is accepted and has no effect, exactly as in ZooKeeper.

export type StoreType = "PEM" | "PKCS12" | "JKS";

export interface StoreConfig {
  location: string | null;
  password: string | null;
  /** A file holding the password (ZooKeeper 3.8's ssl.*.passwordPath). */
  passwordPath: string | null;
  type: StoreType | null;
}

export type ClientAuth = "need" | "want" | "none";

export interface SslConfig {
  keyStore: StoreConfig;
  trustStore: StoreConfig;
  clientAuth: ClientAuth;
  protocol: string;
  enabledProtocols: string[] | null;
  cipherSuites: string[] | null;
  hostnameVerification: boolean;
}

export class SslConfigError extends Error {
  override readonly name = "SslConfigError";
}

export function defaultSslConfig(): SslConfig {
  const store = (): StoreConfig => ({
    location: null,
    password: null,
    passwordPath: null,
    type: null,
  });
  return {
    keyStore: store(),
    trustStore: store(),
    clientAuth: "need",
    protocol: "TLSv1.2",
    enabledProtocols: null,
    cipherSuites: null,
    hostnameVerification: true,
  };
}

function storeType(value: string): StoreType {
  const v = value.toUpperCase();
  if (v === "PEM" || v === "PKCS12" || v === "JKS") return v;
  throw new SslConfigError(`expected PEM, PKCS12 or JKS, got "${value}"`);
}

function list(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

const protocols = new Set(["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]);

function protocol(value: string): string {
  if (!protocols.has(value)) throw new SslConfigError(`unknown TLS protocol "${value}"`);
  return value;
}

/**
 * Applies one `ssl.*` key (without the `zookeeper.` prefix). Returns false for keys this
 * module does not know, so the caller can report them.
 */
export function applySslKey(ssl: SslConfig, key: string, value: string): boolean {
  const store = key.startsWith("ssl.keyStore.")
    ? ssl.keyStore
    : key.startsWith("ssl.trustStore.")
      ? ssl.trustStore
      : null;
  if (store !== null) {
    const field = key.slice(key.indexOf(".", 4) + 1);
    if (field === "location") store.location = value === "" ? null : value;
    else if (field === "password") store.password = value;
    else if (field === "passwordPath") store.passwordPath = value === "" ? null : value;
    else if (field === "type") store.type = value === "" ? null : storeType(value);
    else return false;
    return true;
  }
  switch (key) {
    case "ssl.clientAuth": {
      const v = value.toLowerCase();
      if (v !== "need" && v !== "want" && v !== "none") {
        throw new SslConfigError(`expected need, want or none, got "${value}"`);
      }
      ssl.clientAuth = v;
      return true;
    }
    case "ssl.protocol":
      ssl.protocol = protocol(value);
      return true;
    case "ssl.enabledProtocols":
      ssl.enabledProtocols = list(value).map(protocol);
      return true;
    case "ssl.ciphersuites":
      ssl.cipherSuites = list(value);
      for (const suite of ssl.cipherSuites) javaCipherSuiteToOpenSsl(suite);
      return true;
    case "ssl.hostnameVerification":
      ssl.hostnameVerification = value.toLowerCase() !== "false";
      return true;
    default:
      return false;
  }
}

/** The store's type: as configured, else from the file name as ZooKeeper infers it. */
export function effectiveStoreType(store: StoreConfig): StoreType {
  if (store.type !== null) return store.type;
  const name = (store.location ?? "").toLowerCase();
  if (name.endsWith(".pem") || name.endsWith(".crt") || name.endsWith(".key")) return "PEM";
  if (name.endsWith(".p12") || name.endsWith(".pfx") || name.endsWith(".pkcs12")) return "PKCS12";
  if (name.endsWith(".jks")) return "JKS";
  throw new SslConfigError(
    `cannot tell the type of ${store.location}: set ssl.keyStore.type / ssl.trustStore.type`,
  );
}

/** The protocols enabled: ssl.enabledProtocols, else ssl.protocol alone (as ZooKeeper). */
export function enabledProtocols(ssl: SslConfig): string[] {
  return ssl.enabledProtocols ?? [ssl.protocol];
}

const keyExchanges: ReadonlyMap<string, string> = new Map([
  ["ECDHE_ECDSA", "ECDHE-ECDSA-"],
  ["ECDHE_RSA", "ECDHE-RSA-"],
  ["DHE_RSA", "DHE-RSA-"],
  ["RSA", ""],
]);

const bulkCiphers: ReadonlyMap<string, string> = new Map([
  ["AES_128_GCM", "AES128-GCM"],
  ["AES_256_GCM", "AES256-GCM"],
  ["AES_128_CBC", "AES128"],
  ["AES_256_CBC", "AES256"],
  ["CHACHA20_POLY1305", "CHACHA20-POLY1305"],
]);

/**
 * A Java (IANA) cipher suite name in OpenSSL's spelling: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
 * is ECDHE-RSA-AES128-GCM-SHA256. TLS 1.3 suites (TLS_AES_128_GCM_SHA256) are spelled the
 * same in both. Suites outside the families above are refused rather than guessed.
 */
export function javaCipherSuiteToOpenSsl(name: string): string {
  if (/^TLS_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$/.test(name)) return name;
  const m = /^TLS_([A-Z_]+?)_WITH_([A-Z0-9_]+?)_(SHA|SHA256|SHA384)$/.exec(name);
  const kx = m === null ? undefined : keyExchanges.get(m[1]);
  const bulk = m === null ? undefined : bulkCiphers.get(m[2]);
  if (m === null || kx === undefined || bulk === undefined) {
    throw new SslConfigError(`unsupported cipher suite ${name}`);
  }
  if (m[2] === "CHACHA20_POLY1305") return `${kx}${bulk}`;
  return `${kx}${bulk}-${m[3]}`;
}
