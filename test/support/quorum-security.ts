// What the peer-security tests share: ZooKeeper 3.8's zoo.cfg lines and JAAS file for
// sslQuorum and quorum SASL, built over the test PKI, the settings a transport is given for
// quorum SASL, and the bytes of a rogue member.
import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import { createSecureContext, TLSSocket } from "node:tls";
import type { PeerAuthSettings } from "../../src/io/peer-auth.js";
import { encodePeerHandshake } from "../../src/io/peer-handshake.js";
import { MessageType } from "../../src/raft/types.js";
import { encodeRaftMessage, PeerWriter } from "../../src/server/peer-codec.js";
import { storePassword, type TestPki } from "./certificates.js";

/** The zoo.cfg lines of sslQuorum, as a ZooKeeper 3.8 deployment writes them. */
export function sslQuorumLines(pki: TestPki): string[] {
  return [
    "sslQuorum=true",
    `ssl.quorum.keyStore.location=${pki.serverP12}`,
    `ssl.quorum.keyStore.password=${storePassword}`,
    `ssl.quorum.trustStore.location=${pki.trustJks}`,
    `ssl.quorum.trustStore.password=${storePassword}`,
  ];
}

/**
 * A transport's quorum SASL settings with every switch on: user "quorum" whose password is
 * "right-password", and `password` as this member's own credential.
 */
export function authSettings(
  password: string,
  options: Partial<PeerAuthSettings> = {},
): PeerAuthSettings {
  return {
    challenge: true,
    requireDiallers: true,
    authenticate: true,
    users: new Map([["quorum", "right-password"]]),
    credentials: { username: "quorum", password },
    ...options,
  };
}

/** ZooKeeper's documented JAAS form for quorum DIGEST-MD5 credentials. */
export function quorumJaas(learnerPassword: string): string {
  return `QuorumServer {
       org.apache.zookeeper.server.auth.DigestLoginModule required
       user_quorum="quorum-secret";
};
QuorumLearner {
       org.apache.zookeeper.server.auth.DigestLoginModule required
       username="quorum"
       password="${learnerPassword}";
};
`;
}

export const quorumSaslLines = [
  "quorum.auth.enableSasl=true",
  "quorum.auth.learnerRequireSasl=true",
  "quorum.auth.serverRequireSasl=true",
  "quorum.auth.learner.saslLoginContext=QuorumLearner",
  "quorum.auth.server.saslLoginContext=QuorumServer",
];

/**
 * A hello claiming to be `from`, then a leader's heartbeat at a term far ahead of the
 * ensemble's: a member that read it would adopt the term and follow the rogue (a RequestVote
 * would not do: CheckQuorum's lease ignores it while the member hears its leader).
 */
export function helloAndHeartbeat(
  ensembleId: string,
  from: number,
  to: number,
): { hello: Buffer; heartbeat: Buffer } {
  const body = encodeRaftMessage(new PeerWriter(), {
    type: MessageType.heartbeat,
    from,
    to,
    term: 1000,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: 0,
    snapshot: null,
  });
  const heartbeat = Buffer.alloc(4 + body.length);
  heartbeat.writeUInt32BE(body.length, 0);
  Buffer.from(body).copy(heartbeat, 4);
  return { hello: encodePeerHandshake(ensembleId, from, to), heartbeat };
}

/**
 * Serves TLS on an accepted socket with the untrusted CA's certificate, as a rogue standing
 * in for a member would, recording every byte that comes through decrypted.
 */
export function serveUntrustedTls(pki: TestPki, socket: Socket, received: Buffer[]): void {
  const t = new TLSSocket(socket, {
    isServer: true,
    secureContext: createSecureContext({
      key: readFileSync(pki.rogueClientPem),
      cert: readFileSync(pki.rogueClientPem),
    }),
  });
  t.on("data", (d: Buffer) => received.push(d));
  t.on("error", () => {});
}
