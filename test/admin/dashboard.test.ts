// Proves the dashboard in a real headless browser (Debian's chromium, driven by
// playwright-core) against a real server process holding 100,000 znodes under one parent:
// the page loads with the member's figures and live charts; the tree browser opens that
// parent without freezing (one page of 100 children, the next on demand, the page still
// answering scripts meanwhile); a node's data shows as text, JSON and hex; an edit without
// credentials is refused and changes nothing; after logging in as the administrator the same
// edit is made and a ZooKeeper client sees it; the administrator creates a node, restricts its
// ACL (after which the node refuses the administrator's writes) and deletes it. With CORRAL_SCREENSHOTS=1 it also writes the
// screenshots in docs/ (overview, znodes, sessions) that the README shows.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { ZooKeeperClient } from "../../src/client/index.js";
import { digestId } from "../../src/server/digest.js";
import { type CorralServer, startCorralServer } from "../support/corral-server.js";

const chromiumPath = "/usr/bin/chromium";
const docs = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "docs");
const screenshots = process.env.CORRAL_SCREENSHOTS === "1";
const bigChildren = 100_000;

let server: CorralServer;
let client: ZooKeeperClient;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const skip = existsSync(chromiumPath)
  ? false
  : "chromium is not installed (scripts/install-interop.sh)";

before(async () => {
  if (skip !== false) return;
  server = await startCorralServer({
    admin: true,
    logLevel: "info",
    extraConfig: [`admin.authDigest=${digestId("admin:secret")}`],
  });
  client = await ZooKeeperClient.connect(server.connectString, { shuffleHosts: false });
  await client.create("/app");
  await client.create("/app/config", JSON.stringify({ replicas: 3, region: "eu-west" }));
  await client.create("/app/lock-", "", { mode: "ephemeralSequential" });
  await client.getData("/app/config", { watch: () => {} });
  await client.create("/big");
  // Pipelined in batches: 100,000 creates take a few seconds.
  for (let i = 0; i < bigChildren; i += 2000) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < i + 2000; j++)
      batch.push(client.create(`/big/n${String(j).padStart(6, "0")}`));
    await Promise.all(batch);
  }
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // The page's own errors fail the test that caused them, with what the browser said.
  page.on("pageerror", (err) => pageErrors.push(err.message));
  page.on("console", (m) => {
    // The refused edits (401, 403) are expected; the browser logs every failed fetch.
    if (m.type() === "error" && !/status of 40[13]/.test(m.text())) pageErrors.push(m.text());
  });
});

after(async () => {
  await browser?.close();
  await client?.close();
  await server?.stop();
});

/** Waits (bounded) until the element's text matches. */
async function showsText(p: Page, selector: string, re: RegExp): Promise<void> {
  await p.locator(selector, { hasText: re }).waitFor({ timeout: 10000 });
}

const base = (): string => `http://127.0.0.1:${server.adminPort}`;

test("the overview loads with the member's figures and live charts", { skip }, async () => {
  await page.goto(`${base()}/`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 15000 });
  const cards = await page.locator("#cards .card").allInnerTexts();
  assert.ok(
    cards.some((c) => /role\s+standalone/.test(c)),
    cards.join(" | "),
  );
  // The root, /zookeeper and its two children, /app and its two, /big and its children.
  assert.ok(cards.includes(`znodes\n${bigChildren + 8}`), cards.join(" | "));
  // Some load for the charts: a few seconds of reads and writes.
  const until = Date.now() + 3000;
  let n = 0;
  while (Date.now() < until) {
    const batch: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) batch.push(client.getData("/app/config"));
    batch.push(
      client.setData("/app/config", JSON.stringify({ replicas: 3, region: "eu-west", n: n++ })),
    );
    await Promise.all(batch);
  }
  assert.equal(await page.locator(".uplot").count(), 3);
  // The page records what it plotted last: several points, and the load's throughput.
  const points = Number(await page.locator("#chart-throughput").getAttribute("data-points"));
  const last = Number(await page.locator("#chart-throughput").getAttribute("data-last"));
  assert.ok(points >= 3, `${points} points`);
  assert.ok(last > 100, `last throughput ${last}/s`);
  assert.ok(Number(await page.locator("#chart-fsync").getAttribute("data-last")) >= 0);
  if (screenshots) await page.screenshot({ path: join(docs, "dashboard-overview.png") });
});

test("the tree browser pages through 100,000 children without freezing", { skip }, async () => {
  await page.click('nav button[data-tab="tree"]');
  await page.waitForSelector('.tree li[data-path="/big"]');
  const started = Date.now();
  await page.click('.tree li[data-path="/big"] > .row > .toggle');
  await page.waitForSelector('.tree li[data-path="/big/n000099"]', { timeout: 10000 });
  const openMs = Date.now() - started;
  assert.ok(openMs < 5000, `opening /big took ${openMs} ms`);
  assert.equal(await page.locator('.tree li[data-path="/big"] > ul > li[data-path]').count(), 100);
  // The page answers scripts at once: nothing holds its main thread.
  const t0 = Date.now();
  await page.evaluate(() => 1 + 1);
  assert.ok(Date.now() - t0 < 1000);
  await page.click('.tree li[data-path="/big"] > ul > li > .more');
  await page.waitForSelector('.tree li[data-path="/big/n000199"]');
  assert.equal(await page.locator('.tree li[data-path="/big"] > ul > li[data-path]').count(), 200);
  // A node's data as text, JSON and hex.
  await page.click('.tree li[data-path="/app"] > .row > .toggle');
  await page.click('.tree .name[data-path="/app/config"]');
  await showsText(page, "#node-path", /^\/app\/config$/);
  await showsText(page, "#node-data", /replicas/);
  await page.check('input[name="mode"][value="json"]');
  assert.match((await page.locator("#node-data").textContent()) ?? "", /"replicas": 3/);
  await page.check('input[name="mode"][value="hex"]');
  assert.match((await page.locator("#node-data").textContent()) ?? "", /^000000 {2}7b 22/);
  await page.check('input[name="mode"][value="json"]');
  assert.match((await page.locator("#node-acl").textContent()) ?? "", /world\s*anyone\s*rwcda/);
  if (screenshots) await page.screenshot({ path: join(docs, "dashboard-znodes.png") });
});

test("an edit is refused without credentials and made after logging in", { skip }, async () => {
  await page.fill("#edit-data", '{"replicas": 5}');
  await page.click("#edit-save");
  await showsText(page, "#edit-result", /refused \(401/);
  const before = Buffer.from((await client.getData("/app/config")).data ?? []).toString();
  assert.match(before, /"replicas":3/);
  await page.fill("#login-user", "admin");
  await page.fill("#login-password", "secret");
  await page.click("#login-button");
  await showsText(page, "#who", /administrator/);
  await page.fill("#edit-data", '{"replicas": 5}');
  await page.click("#edit-save");
  await showsText(page, "#edit-result", /set data: done/);
  const after = Buffer.from((await client.getData("/app/config")).data ?? []).toString();
  assert.equal(after, '{"replicas": 5}');
});

test("an administrator creates, restricts and deletes a node from the page", { skip }, async () => {
  await page.click('.tree .name[data-path="/app"]');
  await showsText(page, "#node-path", /^\/app$/);
  await page.fill("#edit-child", "from-browser");
  await page.fill("#edit-data", "made here");
  await page.click("#edit-create");
  await showsText(page, "#edit-result", /create \/app\/from-browser: done/);
  assert.equal(
    Buffer.from((await client.getData("/app/from-browser")).data ?? []).toString(),
    "made here",
  );
  await page.click('.tree .name[data-path="/app/from-browser"]');
  await showsText(page, "#node-path", /^\/app\/from-browser$/);
  await page.fill("#edit-acl", '[{"perms":1,"scheme":"world","id":"anyone"}]');
  await page.click("#edit-acl-save");
  await showsText(page, "#edit-result", /set ACL: done/);
  // The page re-reads the node after the edit; wait for it rather than racing it.
  await showsText(page, "#node-acl", /world\s*anyone\s*r----/);
  // The znode's ACL now refuses writes, the administrator's too.
  await page.fill("#edit-data", "changed");
  await page.click("#edit-save");
  await showsText(page, "#edit-result", /set data: refused \(403 noAuth\)/);
  await page.click("#edit-delete");
  await showsText(page, "#edit-result", /delete \/app\/from-browser: done/);
  assert.equal(await client.exists("/app/from-browser"), null);
  assert.equal(await page.locator('.tree li[data-path="/app/from-browser"]').count(), 0);
});

test("sessions and watches are listed", { skip }, async () => {
  await page.click('nav button[data-tab="sessions"]');
  const sid = `0x${client.sessionId.toString(16)}`;
  await page.waitForSelector(`#sessions td:text-is("${sid}")`);
  assert.match((await page.locator("#sessions").textContent()) ?? "", /\/app\/lock-\d{10}/);
  if (screenshots) await page.screenshot({ path: join(docs, "dashboard-sessions.png") });
  // The watch set at the start fired with the load's writes; a fresh one.
  await client.getData("/app/config", { watch: () => {} });
  await page.click('nav button[data-tab="watches"]');
  await page.waitForSelector('#watches td:text-is("/app/config")');
});

test("the page raised no errors", { skip }, () => {
  assert.deepEqual(pageErrors, []);
});
