// The server side of SASL DIGEST-MD5 (RFC 2831) as ZooKeeper runs it: protocol "zookeeper",
// server name and realm "zk-sasl-md5", quality of protection "auth" only, users and
// passwords from the JAAS Server section. Two steps:
//
//   client: empty token          server: digest-challenge
//     realm="zk-sasl-md5",nonce="<random>",qop="auth",charset=utf-8,algorithm=md5-sess
//   client: digest-response      server: rspauth=<hex>, and the exchange is complete
//     username="u",realm="zk-sasl-md5",nonce="…",cnonce="…",nc=00000001,qop=auth,
//     digest-uri="zookeeper/zk-sasl-md5",maxbuf=…,charset=utf-8,response=<32 hex>
//
// response = HEX(MD5(HEX(MD5(A1)) ":" nonce ":" nc ":" cnonce ":" qop ":" HEX(MD5(A2))))
// with A1 = MD5(user ":" realm ":" password) ":" nonce ":" cnonce [":" authzid] and
// A2 = "AUTHENTICATE:" digest-uri; rspauth is the same with A2 = ":" digest-uri. The
// authenticated id is the user name, as ZooKeeper's callback handler sets it.
import { createHash, timingSafeEqual } from "node:crypto";

export const digestRealm = "zk-sasl-md5";
export const digestUri = "zookeeper/zk-sasl-md5";

export class SaslError extends Error {
  override readonly name = "SaslError";
}

function md5(data: Buffer | string): Buffer {
  return createHash("md5").update(data).digest();
}

/** Parses `key=value,key="quoted value",…` (RFC 2831 §7.1 lists). */
export function parseDirectives(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < text.length) {
    while (i < text.length && (text[i] === "," || text[i] === " " || text[i] === "\t")) i++;
    if (i >= text.length) break;
    const eq = text.indexOf("=", i);
    if (eq < 0) throw new SaslError("malformed directive list");
    const key = text.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    let value = "";
    if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\" && i + 1 < text.length) i++;
        value += text[i++];
      }
      if (i >= text.length) throw new SaslError("unterminated quoted directive");
      i++;
    } else {
      const end = text.indexOf(",", i);
      value = text.slice(i, end < 0 ? text.length : end).trim();
      i = end < 0 ? text.length : end;
    }
    if (out.has(key)) throw new SaslError(`directive ${key} appears twice`);
    out.set(key, value);
  }
  return out;
}

const enum Step {
  challenge,
  response,
  complete,
  failed,
}

/** One connection's DIGEST-MD5 exchange. */
export class DigestMd5Server {
  private step = Step.challenge;
  private nonce = "";
  /** The authenticated user, once complete. */
  authorizationId: string | null = null;

  constructor(
    private readonly users: ReadonlyMap<string, string>,
    private readonly randomBytes: (n: number) => Uint8Array,
  ) {}

  get complete(): boolean {
    return this.step === Step.complete;
  }

  /** The server's answer to the client's token; throws SaslError when authentication fails. */
  evaluate(token: Uint8Array): Uint8Array {
    switch (this.step) {
      case Step.challenge: {
        // DIGEST-MD5 has no initial response. Whatever the first token holds (a GSSAPI
        // client's Kerberos ticket, say) is ignored and the challenge goes back, as
        // ZooKeeper's (Java's) DIGEST-MD5 server does; such a client fails on its side.
        this.nonce = Buffer.from(this.randomBytes(24)).toString("base64");
        this.step = Step.response;
        return Buffer.from(
          `realm="${digestRealm}",nonce="${this.nonce}",qop="auth",charset=utf-8,algorithm=md5-sess`,
        );
      }
      case Step.response: {
        this.step = Step.failed;
        return this.verify(Buffer.from(token).toString("utf8"));
      }
      default:
        throw new SaslError("DIGEST-MD5 exchange is already over");
    }
  }

  private verify(text: string): Uint8Array {
    const d = parseDirectives(text);
    const username = d.get("username");
    const cnonce = d.get("cnonce");
    const response = d.get("response");
    if (username === undefined || cnonce === undefined || response === undefined) {
      throw new SaslError("digest-response lacks username, cnonce or response");
    }
    if (d.get("nonce") !== this.nonce) throw new SaslError("nonce mismatch");
    if (d.get("nc") !== "00000001") throw new SaslError("unexpected nonce count");
    const qop = d.get("qop") ?? "auth";
    if (qop !== "auth") throw new SaslError(`quality of protection ${qop} is not offered`);
    const uri = d.get("digest-uri");
    if (uri !== digestUri) throw new SaslError(`digest-uri ${uri} is not ${digestUri}`);
    const realm = d.get("realm") ?? "";
    if (realm !== "" && realm !== digestRealm) throw new SaslError(`unknown realm ${realm}`);
    const password = this.users.get(username);
    // Without charset=utf-8 the user name and password are ISO 8859-1 (RFC 2831 §2.1.2.1).
    const charset = d.get("charset") === "utf-8" ? "utf8" : "latin1";
    // An unknown user gets the same work and the same answer as a wrong password.
    const secret = md5(Buffer.from(`${username}:${realm}:${password ?? "\u0000"}`, charset));
    const authzid = d.get("authzid");
    const a1 = Buffer.concat([
      secret,
      Buffer.from(`:${this.nonce}:${cnonce}${authzid === undefined ? "" : `:${authzid}`}`, "utf8"),
    ]);
    const ha1 = md5(a1).toString("hex");
    const kd = (a2: string): string =>
      md5(`${ha1}:${this.nonce}:00000001:${cnonce}:${qop}:${md5(a2).toString("hex")}`).toString(
        "hex",
      );
    const expected = Buffer.from(kd(`AUTHENTICATE:${uri}`));
    const given = Buffer.from(response.toLowerCase());
    if (
      password === undefined ||
      given.length !== expected.length ||
      !timingSafeEqual(given, expected)
    ) {
      throw new SaslError(`authentication failed for user ${username}`);
    }
    this.step = Step.complete;
    this.authorizationId = username;
    return Buffer.from(`rspauth=${kd(`:${uri}`)}`);
  }
}
