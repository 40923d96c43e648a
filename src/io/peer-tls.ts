// TLS on peer links (sslQuorum=true), from the `ssl.quorum.*` keys through the client port's
// own code: io/tls-context.ts builds (and, with sslQuorumReloadCertFiles, reloads) one
// context holding this member's key and chain and the CAs it trusts, used in both directions.
//
// Both ends authenticate. The dialler is a TLS client that refuses an acceptor whose chain
// its trust store does not vouch for and, with ssl.quorum.hostnameVerification (the default),
// one whose certificate does not name the host of its server.N line. The acceptor asks for
// the dialler's certificate (ssl.quorum.clientAuth, need by default), refuses an untrusted
// one when the TLS handshake completes and, with hostname verification, checks after the
// hello that the certificate names the address the dialler connects from or the configured
// host of the member it claims to be. ZooKeeper tries a reverse-DNS name where Corral uses
// the configuration: no name service is asked, and the check is tied to the claimed member.
import type { Socket } from "node:net";
import { isIP } from "node:net";
import { checkServerIdentity, connect, type PeerCertificate, TLSSocket } from "node:tls";
import type { Logger } from "../base/logger.js";
import type { SslConfig } from "../server/ssl-config.js";
import { TlsContextSource } from "./tls-context.js";
import { verifyError } from "./tls-peer.js";

export class PeerTls {
  private readonly source: TlsContextSource;
  private readonly hostnameVerification: boolean;

  constructor(ssl: SslConfig, reloadCertFiles: boolean, logger: Logger) {
    this.source = new TlsContextSource(ssl, logger);
    this.hostnameVerification = ssl.hostnameVerification;
    if (reloadCertFiles) this.source.watchFiles();
  }

  /** A TLS connection to `host:port`; it emits 'secureConnect' once the acceptor is trusted. */
  dial(host: string, port: number): TLSSocket {
    return connect({
      host,
      port,
      secureContext: this.source.context,
      // Node checks the chain itself; the name only when hostnameVerification is on.
      rejectUnauthorized: true,
      servername: isIP(host) === 0 ? host : undefined,
      checkServerIdentity: this.hostnameVerification ? checkServerIdentity : () => undefined,
    });
  }

  /** The server side of TLS over an accepted socket; check it with refusal() on 'secure'. */
  accept(raw: Socket): TLSSocket {
    return new TLSSocket(raw, {
      isServer: true,
      secureContext: this.source.context,
      requestCert: this.source.requestCert,
      // Checked in refusal(), so that a refused peer is logged with the reason.
      rejectUnauthorized: false,
    });
  }

  /** Why an accepted peer's certificate is refused once TLS is up, or null. */
  refusal(socket: TLSSocket): string | null {
    const presented = socket.getPeerCertificate().raw !== undefined;
    if (!presented) return this.source.certificateRequired ? "no certificate" : null;
    const err = verifyError(socket);
    return err === null ? null : `untrusted certificate (${err})`;
  }

  /**
   * After the hello: whether the dialler's certificate names the address it connects from or
   * `claimedHost`, the host of the member it says it is. Null when it does (or when hostname
   * verification is off, or the dialler presented no certificate under clientAuth=want/none).
   */
  hostRefusal(socket: Socket, remoteAddress: string, claimedHost: string): string | null {
    if (!this.hostnameVerification || !(socket instanceof TLSSocket)) return null;
    const cert = socket.getPeerCertificate() as PeerCertificate;
    if (cert.raw === undefined) return null;
    if (checkServerIdentity(remoteAddress, cert) === undefined) return null;
    if (checkServerIdentity(claimedHost, cert) === undefined) return null;
    return `certificate names neither ${remoteAddress} nor ${claimedHost}`;
  }

  close(): void {
    this.source.close();
  }
}
