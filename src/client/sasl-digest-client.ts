// The client side of SASL DIGEST-MD5 (RFC 2831) as ZooKeeper servers expect it: service
// "zookeeper", server name "zk-sasl-md5", quality of protection "auth". The exchange:
//
//   us: empty token                 server: realm="…",nonce="…",qop="auth",charset=utf-8,…
//   us: digest-response             server: rspauth=<32 hex>, which we check
//
// response = HEX(MD5(HEX(MD5(A1)) ":" nonce ":" nc ":" cnonce ":" qop ":" HEX(MD5(A2))))
// with A1 = MD5(user ":" realm ":" password) ":" nonce ":" cnonce and
// A2 = "AUTHENTICATE:" digest-uri; the server's rspauth uses A2 = ":" digest-uri, so
// checking it proves the server knows the password too.
import { createHash, randomBytes } from "node:crypto";

const digestUri = "zookeeper/zk-sasl-md5";

function md5(data: Buffer | string): Buffer {
  return createHash("md5").update(data).digest();
}

function directives(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /\s*([A-Za-z-]+)=(?:"((?:[^"\\]|\\.)*)"|([^,]*))\s*,?/g;
  for (let m = re.exec(text); m !== null && m[0] !== ""; m = re.exec(text)) {
    out.set(m[1].toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3].trim());
  }
  return out;
}

function quote(value: string): string {
  return `"${value.replace(/(["\\])/g, "\\$1")}"`;
}

export class SaslDigestError extends Error {
  override readonly name = "SaslDigestError";
}

export class DigestMd5Client {
  private expectedRspauth: string | null = null;
  complete = false;

  constructor(
    private readonly username: string,
    private readonly password: string,
  ) {}

  /** The first token: DIGEST-MD5 has no initial response. */
  initial(): Uint8Array {
    return new Uint8Array(0);
  }

  /** Answers the server's token; throws SaslDigestError on a challenge or rspauth it rejects. */
  evaluate(token: Uint8Array): Uint8Array | null {
    const text = Buffer.from(token).toString("utf8");
    const d = directives(text);
    if (this.expectedRspauth !== null) {
      if (d.get("rspauth") !== this.expectedRspauth) {
        throw new SaslDigestError("the server's rspauth is wrong: it does not know the password");
      }
      this.complete = true;
      return null;
    }
    const nonce = d.get("nonce");
    if (nonce === undefined) throw new SaslDigestError("the server's challenge has no nonce");
    const qops = (d.get("qop") ?? "auth").split(",").map((q) => q.trim());
    if (!qops.includes("auth")) throw new SaslDigestError("the server does not offer qop=auth");
    const realm = d.get("realm") ?? "";
    const cnonce = randomBytes(24).toString("base64");
    const utf8 = d.get("charset") === "utf-8";
    const a1 = Buffer.concat([
      md5(Buffer.from(`${this.username}:${realm}:${this.password}`, utf8 ? "utf8" : "latin1")),
      Buffer.from(`:${nonce}:${cnonce}`),
    ]);
    const ha1 = md5(a1).toString("hex");
    const kd = (a2: string): string =>
      md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${md5(a2).toString("hex")}`).toString("hex");
    this.expectedRspauth = kd(`:${digestUri}`);
    const parts = [
      utf8 ? "charset=utf-8" : null,
      `username=${quote(this.username)}`,
      `realm=${quote(realm)}`,
      `nonce=${quote(nonce)}`,
      "nc=00000001",
      `cnonce=${quote(cnonce)}`,
      `digest-uri=${quote(digestUri)}`,
      "maxbuf=65536",
      `response=${kd(`AUTHENTICATE:${digestUri}`)}`,
      "qop=auth",
    ];
    return Buffer.from(parts.filter((p) => p !== null).join(","));
  }
}
