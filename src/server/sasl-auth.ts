// Authentication on a member beyond addauth: the x509 ids of TLS clients, and SASL: the DIGEST-MD5 exchange of each connection, the ids it grants, and the
// enforce.auth rule, as ZooKeeper's ZooKeeperServer.processSasl and AuthenticationHelper
// apply them:
//
// - every sasl packet's token goes to the connection's SASL server; its answer goes back in
//   a SetSASLResponse with zxid 0. Once the exchange completes, the connection holds
//   `sasl:<user>`, and `super:` too when the user is the configured superUser;
// - a failed exchange is answered AUTHFAILED (or SESSIONCLOSEDREQUIRESASLAUTH when auth is
//   enforced) and the connection is closed;
// - without a JAAS Server section, SASL is not configured: the packet is refused like a
//   failed exchange (ZooKeeper logs that its SASL server is missing; see docs/security.md).
// Exchanges are kept per connection in a WeakMap, so a closed connection's state goes with it.
import type { Random } from "../base/random.js";
import { ErrorCode } from "../protocol/constants.js";
import type { Id } from "../protocol/records.js";
import type { AuthConfig } from "./auth-config.js";
import { DigestMd5Server, SaslError } from "./sasl-digest.js";

export interface SaslOutcome {
  /** 0, or the error code the reply carries (the connection is then closed). */
  err: number;
  token: Uint8Array | null;
  /** Ids to add to the connection (on completion). */
  ids: Id[];
  /** Why it failed, for the log line. */
  reason: string;
}

export class SaslAuth {
  private readonly exchanges = new WeakMap<object, DigestMd5Server>();

  constructor(
    private readonly auth: AuthConfig,
    private readonly random: Random,
  ) {}

  /** Runs one step of `connection`'s exchange with the client's `token`. */
  evaluate(connection: object, token: Uint8Array): SaslOutcome {
    const users = this.auth.saslUsers;
    const failure = this.auth.enforceAuthEnabled
      ? ErrorCode.sessionClosedRequireSaslAuth
      : ErrorCode.authFailed;
    if (users === null) {
      return { err: failure, token: null, ids: [], reason: "SASL is not configured (no JAAS)" };
    }
    let exchange = this.exchanges.get(connection);
    if (exchange === undefined || exchange.complete) {
      exchange = new DigestMd5Server(users, (n) => this.random.fill(new Uint8Array(n)));
      this.exchanges.set(connection, exchange);
    }
    try {
      const answer = exchange.evaluate(token);
      const ids: Id[] = [];
      if (exchange.complete && exchange.authorizationId !== null) {
        ids.push({ scheme: "sasl", id: exchange.authorizationId });
        if (exchange.authorizationId === this.auth.saslSuperUser)
          ids.push({ scheme: "super", id: "" });
      }
      return { err: 0, token: answer, ids, reason: "" };
    } catch (err) {
      this.exchanges.delete(connection);
      const reason = err instanceof SaslError ? err.message : String(err);
      return { err: failure, token: null, ids: [], reason };
    }
  }

  /**
   * A TLS client's certificate gives it `x509:<subject>` when the x509 provider is
   * configured (and `super:` for X509AuthenticationProvider.superUser), as ZooKeeper's
   * X509AuthenticationProvider does at the end of the TLS handshake.
   */
  addCertificateIds(subject: string | null, ids: Id[]): void {
    if (subject === null || !this.auth.providers.has("x509")) return;
    ids.push({ scheme: "x509", id: subject });
    if (subject === this.auth.x509SuperUser) ids.push({ scheme: "super", id: "" });
  }

  /** False when auth is enforced and the connection holds no id of an enforced scheme. */
  admits(ids: readonly Id[]): boolean {
    if (!this.auth.enforceAuthEnabled) return true;
    const schemes = this.auth.enforceAuthSchemes;
    for (const id of ids) if (schemes.includes(id.scheme)) return true;
    return false;
  }
}
