// Proves how the cli finds quorum credentials: with quorum.auth.enableSasl the JAAS file's
// QuorumServer users and QuorumLearner login (or the sections the saslLoginContext keys
// name) are read, a file holding only the quorum sections is enough, the client port's
// Server section is still read when present, and a missing file or section stops the start.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadSaslUsers } from "../../src/cli/server-auth.js";
import { parseZooCfg } from "../../src/server/config.js";
import { quorumJaas, quorumSaslLines } from "../support/quorum-security.js";

const dir = mkdtempSync(join(tmpdir(), "corral-server-auth-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const zooCfg = `clientPort=1\n${quorumSaslLines.join("\n")}\n`;

test("a quorum-only JAAS file fills the quorum's users and login", () => {
  const { config } = parseZooCfg(zooCfg);
  loadSaslUsers(config, file("quorum.conf", quorumJaas("pw")), {});
  const a = config.quorumSecurity.auth;
  assert.deepEqual([...(a.serverUsers ?? [])], [["quorum", "quorum-secret"]]);
  assert.deepEqual(a.learnerCredentials, { username: "quorum", password: "pw" });
  assert.equal(config.auth.saslUsers, null);
});

test("renamed sections, and the Server section beside them", () => {
  const { config } = parseZooCfg(
    `${zooCfg}quorum.auth.learner.saslLoginContext=L\nquorum.auth.server.saslLoginContext=S\n`,
  );
  const text = `${quorumJaas("pw").replace("QuorumServer", "S").replace("QuorumLearner", "L")}
Server { org.apache.zookeeper.server.auth.DigestLoginModule required user_bob="b"; };`;
  loadSaslUsers(config, undefined, {
    SERVER_JVMFLAGS: `-Djava.security.auth.login.config=${file("both.conf", text)}`,
  });
  assert.deepEqual(config.quorumSecurity.auth.learnerCredentials, {
    username: "quorum",
    password: "pw",
  });
  assert.deepEqual([...(config.auth.saslUsers ?? [])], [["bob", "b"]]);
});

test("a missing file or section stops the start", () => {
  assert.throws(
    () => loadSaslUsers(parseZooCfg(zooCfg).config, undefined, {}),
    /quorum.auth.enableSasl needs a JAAS file/,
  );
  const serverOnly = file(
    "server.conf",
    'Server { org.apache.zookeeper.server.auth.DigestLoginModule required user_bob="b"; };',
  );
  assert.throws(
    () => loadSaslUsers(parseZooCfg(zooCfg).config, serverOnly, {}),
    /no "QuorumServer" section/,
  );
});
