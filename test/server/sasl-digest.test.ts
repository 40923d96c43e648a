// Proves the pieces of SASL that real clients do not reach on their own: the JAAS parser
// (comments, quoting, several sections, Kerberos refused with a reason) and the DIGEST-MD5
// server's answers: a non-empty first token (what a GSSAPI client sends) gets the challenge
// as from ZooKeeper; a wrong nonce, an
// unknown user, a wrong digest-uri, a replayed response; and that a correct response,
// computed here independently from RFC 2831's formulas, completes with rspauth. The
// interop suites (test/interop/sasl.test.ts) prove it against kazoo and the Java client.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { JaasError, parseJaas, saslServerUsers } from "../../src/server/jaas.js";
import { DigestMd5Server, parseDirectives, SaslError } from "../../src/server/sasl-digest.js";

test("JAAS: sections, options, comments and quoting", () => {
  const text = `
    // a comment
    Server {
      org.apache.zookeeper.server.auth.DigestLoginModule required
      user_bob="bob \\"quoted\\" secret" /* inline */
      user_alice=plain;
    };
    Client { com.example.Other optional debug=true; };`;
  const sections = parseJaas(text);
  assert.deepEqual([...sections.keys()], ["Server", "Client"]);
  assert.deepEqual(
    [...saslServerUsers(text)],
    [
      ["bob", 'bob "quoted" secret'],
      ["alice", "plain"],
    ],
  );
  assert.throws(() => saslServerUsers("Client { X required; };"), /no "Server" section/);
  assert.throws(
    () => saslServerUsers("Server { com.sun.security.auth.module.Krb5LoginModule required; };"),
    /Kerberos/,
  );
  assert.throws(() => parseJaas("Server { X required a=; };"), JaasError);
});

const users = new Map([["bob", "bobsecret"]]);
const fixedRandom = (n: number): Uint8Array => new Uint8Array(n).fill(7);

function md5(data: Buffer | string): Buffer {
  return createHash("md5").update(data).digest();
}

/** A client's digest-response, computed from RFC 2831 §2.1.2.1 directly. */
function respond(challenge: string, user: string, password: string, uri: string): string {
  const nonce = parseDirectives(challenge).get("nonce") ?? "";
  const cnonce = "clientnonce";
  const a1 = Buffer.concat([
    md5(`${user}:zk-sasl-md5:${password}`),
    Buffer.from(`:${nonce}:${cnonce}`),
  ]);
  const a2 = `AUTHENTICATE:${uri}`;
  const response = md5(
    `${md5(a1).toString("hex")}:${nonce}:00000001:${cnonce}:auth:${md5(a2).toString("hex")}`,
  ).toString("hex");
  return `charset=utf-8,username="${user}",realm="zk-sasl-md5",nonce="${nonce}",nc=00000001,cnonce="${cnonce}",digest-uri="${uri}",maxbuf=65536,response=${response},qop=auth`;
}

function exchange(user: string, password: string, uri = "zookeeper/zk-sasl-md5"): string {
  const server = new DigestMd5Server(users, fixedRandom);
  const challenge = Buffer.from(server.evaluate(new Uint8Array(0))).toString();
  assert.match(challenge, /realm="zk-sasl-md5",nonce="[^"]+",qop="auth"/);
  const answer = Buffer.from(server.evaluate(Buffer.from(respond(challenge, user, password, uri))));
  assert.ok(server.complete);
  assert.equal(server.authorizationId, user);
  return answer.toString();
}

test("DIGEST-MD5: a correct response completes with rspauth", () => {
  assert.match(exchange("bob", "bobsecret"), /^rspauth=[0-9a-f]{32}$/);
});

test("DIGEST-MD5: wrong password, unknown user, wrong digest-uri are refused", () => {
  assert.throws(() => exchange("bob", "wrong"), SaslError);
  assert.throws(() => exchange("mallory", "bobsecret"), SaslError);
  assert.throws(() => exchange("bob", "bobsecret", "ldap/zk-sasl-md5"), /digest-uri/);
});

test("DIGEST-MD5: a GSSAPI-style first token gets the challenge; a wrong nonce ends the exchange", () => {
  const gssapi = new DigestMd5Server(users, fixedRandom);
  assert.match(
    Buffer.from(gssapi.evaluate(Buffer.from([0x60, 0x82]))).toString(),
    /realm="zk-sasl-md5"/,
  );
  const server = new DigestMd5Server(users, fixedRandom);
  const challenge = Buffer.from(server.evaluate(new Uint8Array(0))).toString();
  const forged = respond(challenge, "bob", "bobsecret", "zookeeper/zk-sasl-md5").replace(
    /nonce="[^"]+"/,
    'nonce="other"',
  );
  assert.throws(() => server.evaluate(Buffer.from(forged)), /nonce/);
  // The exchange is over after a failure: the right answer now is refused too.
  const right = respond(challenge, "bob", "bobsecret", "zookeeper/zk-sasl-md5");
  assert.throws(() => server.evaluate(Buffer.from(right)), /over/);
});
