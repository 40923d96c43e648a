// What a TLS server socket knows about its client once the handshake is done: whether the
// client's certificate chain is trusted, and the certificate's subject as ZooKeeper names it
// in x509 ids.
import type { TLSSocket } from "node:tls";

/**
 * Why the client's certificate chain is not trusted, or null when it is. Node's tls.Server
 * computes `authorized` exactly this way once the handshake is done (onServerSocketSecure);
 * a server socket built over an accepted TCP socket must ask its handle itself. If a future
 * Node lacks the call, every certificate is refused: this fails closed.
 */
export function verifyError(socket: TLSSocket): string | null {
  const handle = (socket as unknown as { _handle?: { verifyError?: () => Error | null } })._handle;
  if (typeof handle?.verifyError !== "function") return "cannot verify client certificates";
  const err = handle.verifyError();
  if (err === null || err === undefined) return null;
  return (err as Error & { code?: string }).code ?? err.message;
}

/**
 * The peer certificate's subject as Java's X500Principal.getName() (RFC 2253) spells it:
 * relative names in reverse order of the certificate's, joined by commas, with RFC 2253's
 * special characters escaped. Node lists them in certificate order, one per line.
 */
export function certificateSubject(socket: TLSSocket): string | null {
  const cert = socket.getPeerX509Certificate();
  if (cert === undefined) return null;
  return cert.subject
    .split("\n")
    .filter((rdn) => rdn !== "")
    .reverse()
    .map((rdn) => {
      const eq = rdn.indexOf("=");
      const value = rdn.slice(eq + 1).replace(/([,+"\\<>;])/g, "\\$1");
      return `${rdn.slice(0, eq)}=${value}`;
    })
    .join(",");
}
