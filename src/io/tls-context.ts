// The secure client port's TLS context, built from ZooKeeper's ssl.* keys
// (server/ssl-config.ts) and rebuilt when the key or trust store files change, as
// ZooKeeper's X509Util reloads them: connections accepted afterwards use the new
// certificates, established ones keep theirs. A file that fails to load keeps the previous
// context, with one error line.
//
// Stores: PEM through Node's own parser; a PKCS12 key store as Node's `pfx`; a PKCS12 trust
// store (certificates only, as keytool writes them, which Node's `pfx` refuses because it
// holds no key) through node-forge; JKS through jks-js, which converts entries to PEM.
import { type FSWatcher, readFileSync, watch } from "node:fs";
import { basename, dirname } from "node:path";
import { createSecureContext, type SecureContext, type SecureContextOptions } from "node:tls";
import jks from "jks-js";
import forge from "node-forge";
import type { Logger } from "../base/logger.js";
import {
  effectiveStoreType,
  enabledProtocols,
  javaCipherSuiteToOpenSsl,
  type SslConfig,
  type StoreConfig,
} from "../server/ssl-config.js";

type TlsVersion = "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";
const versionOrder: TlsVersion[] = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

function storePassword(store: StoreConfig): string | undefined {
  if (store.passwordPath !== null) return readFileSync(store.passwordPath, "utf8").trim();
  return store.password ?? undefined;
}

/** Key and certificate chain options for our own identity (server, or a client's). */
export function keyStoreOptions(store: StoreConfig): SecureContextOptions {
  const location = store.location as string;
  const password = storePassword(store);
  const bytes = readFileSync(location);
  switch (effectiveStoreType(store)) {
    case "PEM":
      // One file holds the (possibly encrypted) key and the chain, as ZooKeeper's PEM loader
      // expects; OpenSSL picks the key block and the certificate blocks out of it.
      return { key: bytes, cert: bytes, passphrase: password };
    case "PKCS12":
      return { pfx: bytes, passphrase: password };
    case "JKS": {
      const entries = jks.toPem(bytes, password ?? "") as Record<
        string,
        { cert?: string; key?: string }
      >;
      const entry = Object.values(entries).find((e) => e.key !== undefined);
      if (entry === undefined) throw new Error(`${location} holds no private key entry`);
      return { key: entry.key, cert: entry.cert };
    }
  }
}

/** The trusted CA certificates, as PEM texts. */
export function trustStoreCas(store: StoreConfig): string[] {
  const location = store.location as string;
  const password = storePassword(store);
  const bytes = readFileSync(location);
  switch (effectiveStoreType(store)) {
    case "PEM":
      return [bytes.toString("utf8")];
    case "PKCS12": {
      const asn1 = forge.asn1.fromDer(forge.util.createBuffer(bytes.toString("binary")));
      const p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password ?? "");
      const bags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
      const out: string[] = [];
      for (const bag of bags) if (bag.cert) out.push(forge.pki.certificateToPem(bag.cert));
      if (out.length === 0) throw new Error(`${location} holds no certificates`);
      return out;
    }
    case "JKS": {
      const entries = jks.toPem(bytes, password ?? "") as Record<
        string,
        { ca?: string; cert?: string }
      >;
      const out: string[] = [];
      for (const e of Object.values(entries)) {
        if (e.ca !== undefined) out.push(e.ca);
        else if (e.cert !== undefined) out.push(e.cert);
      }
      if (out.length === 0) throw new Error(`${location} holds no certificates`);
      return out;
    }
  }
}

/** Builds a SecureContext from the configuration; throws with the file at fault. */
export function buildSecureContext(ssl: SslConfig): SecureContext {
  const options: SecureContextOptions = keyStoreOptions(ssl.keyStore);
  if (ssl.trustStore.location !== null) options.ca = trustStoreCas(ssl.trustStore);
  const enabled = enabledProtocols(ssl)
    .map((p) => versionOrder.indexOf(p as TlsVersion))
    .sort((a, b) => a - b);
  // Node enables a contiguous range of versions; a gap in the list is closed over.
  options.minVersion = versionOrder[enabled[0]];
  options.maxVersion = versionOrder[enabled[enabled.length - 1]];
  if (ssl.cipherSuites !== null) {
    options.ciphers = ssl.cipherSuites.map(javaCipherSuiteToOpenSsl).join(":");
  }
  return createSecureContext(options);
}

/** The current context of a secure listener, reloaded when its files change. */
export class TlsContextSource {
  private ctx: SecureContext;
  private readonly watchers: FSWatcher[] = [];
  private reloadTimer: NodeJS.Timeout | null = null;
  readonly requestCert: boolean;

  constructor(
    private readonly ssl: SslConfig,
    private readonly logger: Logger,
  ) {
    this.ctx = buildSecureContext(ssl);
    this.requestCert = ssl.clientAuth !== "none";
  }

  get context(): SecureContext {
    return this.ctx;
  }

  /** True when a client must present a trusted certificate (ssl.clientAuth=need). */
  get certificateRequired(): boolean {
    return this.ssl.clientAuth === "need";
  }

  /**
   * Watches the store files. Directories are watched, not the files, because certificate
   * rotation usually replaces a file (a rename) rather than rewriting it in place.
   */
  watchFiles(): void {
    const files = [this.ssl.keyStore.location, this.ssl.trustStore.location].filter(
      (f): f is string => f !== null,
    );
    const byDir = new Map<string, Set<string>>();
    for (const f of files) {
      const set = byDir.get(dirname(f)) ?? new Set<string>();
      set.add(basename(f));
      byDir.set(dirname(f), set);
    }
    for (const [dir, names] of byDir) {
      const watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name === null || names.has(name.toString())) this.scheduleReload();
      });
      watcher.on("error", (err) =>
        this.logger.warn("cannot watch TLS store files", { dir, error: err.message }),
      );
      this.watchers.push(watcher);
    }
  }

  private scheduleReload(): void {
    // Writers touch a file several times while replacing it: reload once it settles.
    if (this.reloadTimer !== null) clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null;
      this.reload();
    }, 100);
  }

  reload(): void {
    try {
      this.ctx = buildSecureContext(this.ssl);
      this.logger.info("TLS certificates reloaded", {
        keyStore: this.ssl.keyStore.location,
        trustStore: this.ssl.trustStore.location,
      });
    } catch (err) {
      this.logger.error("cannot reload TLS certificates; keeping the previous ones", {
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  close(): void {
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
    if (this.reloadTimer !== null) clearTimeout(this.reloadTimer);
  }
}
