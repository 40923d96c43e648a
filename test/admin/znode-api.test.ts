// Proves the znode API and admin authentication over a real server process: edits are
// refused without credentials (401) and with wrong ones (401, counted in
// corral_admin_auth_failures_total and logged once each); an administrator creates, reads,
// updates (with ZooKeeper's badVersion as 409), sets ACLs and deletes; the edits are real (a
// ZooKeeper client sees them); znode ACLs hold against an administrator who is not the super
// user (noAuth as 403, data hidden) while the super user's login passes them, and a token
// login acts with no znode identity; children of a large node come in sorted pages.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ZooKeeperClient } from "../../src/client/index.js";
import { digestId } from "../../src/server/digest.js";
import { type CorralServer, startCorralServer } from "../support/corral-server.js";
import { httpGet } from "./admin-scenario.js";
import { parsePrometheusText, sampleValue } from "./prometheus-text.js";

const token = "t0ken-for-tests-0123456789";
const basic = (userColonPassword: string): string =>
  `Basic ${Buffer.from(userColonPassword).toString("base64")}`;
const admin = { authorization: basic("admin:secret") };
const superUser = { authorization: basic("super:sup3r") };

let server: CorralServer;
let client: ZooKeeperClient;

before(async () => {
  server = await startCorralServer({
    admin: true,
    logLevel: "info",
    extraConfig: [
      `admin.authDigest=${digestId("admin:secret")},${digestId("super:sup3r")}`,
      `admin.authToken=${token}`,
      `DigestAuthenticationProvider.superDigest=${digestId("super:sup3r")}`,
    ],
  });
  client = await ZooKeeperClient.connect(server.connectString, { shuffleHosts: false });
});

after(async () => {
  await client?.close();
  await server?.stop();
});

function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown>; headers: string }> {
  return httpGet(server.adminPort, path, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then((r) => ({
    status: r.status,
    json: r.body === "" ? {} : (JSON.parse(r.body) as Record<string, unknown>),
    headers: r.contentType,
  }));
}

test("edits need an administrator; wrong credentials are counted and logged", async () => {
  const none = await call("POST", "/api/znode", { path: "/x", data: "1" });
  assert.equal(none.status, 401);
  const wrong = await call(
    "POST",
    "/api/znode",
    { path: "/x", data: "1" },
    {
      authorization: basic("admin:wrong"),
    },
  );
  assert.equal(wrong.status, 401);
  const badToken = await call("DELETE", "/api/znode?path=/x", undefined, {
    authorization: "Bearer nope",
  });
  assert.equal(badToken.status, 401);
  const metrics = parsePrometheusText((await httpGet(server.adminPort, "/metrics")).body);
  assert.equal(sampleValue(metrics, "corral_admin_auth_failures_total"), 2);
  assert.equal((server.logs().match(/admin login failed/g) ?? []).length, 2);
  assert.equal(await client.exists("/x"), null, "nothing was created");
});

test("an administrator creates, reads, updates, sets ACLs and deletes", async () => {
  const created = await call("POST", "/api/znode", { path: "/api-a", data: "hello" }, admin);
  assert.equal(created.status, 201);
  assert.equal(Buffer.from((await client.getData("/api-a")).data ?? []).toString(), "hello");
  const read = await call("GET", "/api/znode?path=/api-a");
  assert.equal(read.status, 200);
  assert.equal(Buffer.from(String(read.json.dataBase64), "base64").toString(), "hello");
  assert.equal((read.json.stat as { version: number }).version, 0);
  const set = await call("PUT", "/api/znode", { path: "/api-a", data: "v2", version: 0 }, admin);
  assert.deepEqual([set.status, set.json.version], [200, 1]);
  const stale = await call("PUT", "/api/znode", { path: "/api-a", data: "v3", version: 0 }, admin);
  assert.deepEqual([stale.status, stale.json.error], [409, "badVersion"]);
  const exists = await call("POST", "/api/znode", { path: "/api-a" }, admin);
  assert.deepEqual([exists.status, exists.json.error], [409, "nodeExists"]);
  const acl = await call(
    "PUT",
    "/api/acl",
    { path: "/api-a", acl: [{ perms: 1, scheme: "world", id: "anyone" }] },
    admin,
  );
  assert.equal(acl.status, 200);
  assert.deepEqual((await client.getACL("/api-a")).acl, [
    { perms: 1, id: { scheme: "world", id: "anyone" } },
  ]);
  // Now only readable: ZooKeeper's ACL refuses the administrator's setData and setACL.
  const refused = await call("PUT", "/api/znode", { path: "/api-a", data: "no" }, admin);
  assert.deepEqual([refused.status, refused.json.error], [403, "noAuth"]);
  const aclBack = { path: "/api-a", acl: [{ perms: 31, scheme: "world", id: "anyone" }] };
  assert.equal((await call("PUT", "/api/acl", aclBack, admin)).status, 403);
  assert.equal(
    (
      await call(
        "PUT",
        "/api/acl",
        { path: "/api-a", acl: [{ perms: 31, scheme: "world", id: "anyone" }] },
        superUser,
      )
    ).status,
    200,
  );
  const deleted = await call("DELETE", "/api/znode?path=/api-a&version=-1", undefined, admin);
  assert.equal(deleted.status, 200);
  assert.equal(await client.exists("/api-a"), null);
  assert.equal((await call("GET", "/api/znode?path=/api-a")).status, 404);
});

test("znode ACLs hold for an administrator unless they log in as the super user", async () => {
  await client.addAuth("digest", "owner:pw");
  await client.create("/locked", "secret", {
    acl: [{ perms: 31, id: { scheme: "digest", id: digestId("owner:pw") } }],
  });
  const asAdmin = await call("GET", "/api/znode?path=/locked", undefined, admin);
  assert.equal(asAdmin.json.readable, false);
  assert.equal(asAdmin.json.dataBase64, null);
  const write = await call("PUT", "/api/znode", { path: "/locked", data: "x" }, admin);
  assert.deepEqual([write.status, write.json.error], [403, "noAuth"]);
  const byToken = await call(
    "PUT",
    "/api/znode",
    { path: "/locked", data: "x" },
    {
      authorization: `Bearer ${token}`,
    },
  );
  assert.equal(byToken.status, 403);
  const asSuper = await call("GET", "/api/znode?path=/locked", undefined, superUser);
  assert.equal(Buffer.from(String(asSuper.json.dataBase64), "base64").toString(), "secret");
  const superWrite = await call("PUT", "/api/znode", { path: "/locked", data: "s" }, superUser);
  assert.equal(superWrite.status, 200);
  const tokenCreate = await call(
    "POST",
    "/api/znode",
    { path: "/by-token" },
    {
      authorization: `Bearer ${token}`,
    },
  );
  assert.equal(tokenCreate.status, 201);
});

test("with an administrator configured, resets are theirs while reads stay open", async () => {
  assert.equal((await call("GET", "/commands/ruok")).status, 200);
  assert.equal((await call("GET", "/commands/srst")).status, 401);
  assert.equal((await call("GET", "/commands/srst", undefined, admin)).status, 200);
});

test("ip ACLs see the HTTP client's address", async () => {
  await client.create("/ip-here", "mine", {
    acl: [{ perms: 31, id: { scheme: "ip", id: "127.0.0.1" } }],
  });
  await client.create("/ip-elsewhere", "theirs", {
    acl: [{ perms: 31, id: { scheme: "ip", id: "10.1.2.3" } }],
  });
  assert.equal((await call("GET", "/api/znode?path=/ip-here")).json.readable, true);
  assert.equal((await call("GET", "/api/znode?path=/ip-elsewhere")).json.readable, false);
  assert.equal(
    (await call("PUT", "/api/znode", { path: "/ip-here", data: "x" }, admin)).status,
    200,
  );
  const refused = await call("PUT", "/api/znode", { path: "/ip-elsewhere", data: "x" }, admin);
  assert.equal(refused.status, 403);
});

test("children come in sorted pages", async () => {
  await client.create("/many");
  const names: string[] = [];
  for (let i = 0; i < 250; i++) names.push(`c${String((i * 7919) % 250).padStart(3, "0")}`);
  await Promise.all(names.map((n) => client.create(`/many/${n}`, "d")));
  const seen: string[] = [];
  for (let offset = 0; offset < 250; offset += 100) {
    const page = await call("GET", `/api/children?path=/many&offset=${offset}&limit=100`);
    assert.equal(page.status, 200);
    assert.equal(page.json.total, 250);
    for (const c of page.json.children as { name: string }[]) seen.push(c.name);
  }
  assert.deepEqual(seen, [...names].sort());
  await client.delete("/many/c000");
  const after = await call("GET", "/api/children?path=/many&offset=0&limit=1");
  assert.equal(after.json.total, 249);
  assert.equal((after.json.children as { name: string }[])[0].name, "c001");
});
