// The dashboard as an operator has it open, for bench/admin-overhead.ts: Debian's chromium,
// headless, driven by playwright-core (as test/admin/dashboard.test.ts drives it), on the
// real page. Each open() loads the page, browses the znode tree (the root and /zookeeper
// opened, a node's data, Stat and ACL shown), then shows the overview (or, with view
// "tree", stays on the tree), and counts the page's /api/status polls until close(). The
// browser itself is launched once and kept, so its start-up is never inside a measurement.
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";

export const chromiumPath = "/usr/bin/chromium";

export type DashboardView = "overview" | "tree";

export class DashboardViewer {
  /** /api/status answers (200) the open page has had. */
  polls = 0;
  private page: Page | null = null;

  private constructor(
    private readonly browser: Browser,
    private readonly adminPort: number,
  ) {}

  static async launch(adminPort: number): Promise<DashboardViewer> {
    if (!existsSync(chromiumPath)) {
      throw new Error("chromium is not installed (scripts/install-interop.sh)");
    }
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
      // The harness stops the browser itself, after the server and the load.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    return new DashboardViewer(browser, adminPort);
  }

  /** Opens the page and waits until it shows the member and has polled at least once. */
  async open(view: DashboardView): Promise<void> {
    const page = await this.browser.newPage({ viewport: { width: 1400, height: 900 } });
    this.page = page;
    this.polls = 0;
    page.on("response", (r) => {
      if (r.url().endsWith("/api/status") && r.status() === 200) this.polls++;
    });
    await page.goto(`http://127.0.0.1:${this.adminPort}/`);
    await page.waitForSelector("body[data-ready=true]", { timeout: 15_000 });
    await page.click('nav button[data-tab="tree"]');
    await page.click('.tree li[data-path="/zookeeper"] > .row > .toggle', { timeout: 10_000 });
    const child = page.locator('.tree li[data-path="/zookeeper"] > ul > li[data-path] .name');
    await child.first().waitFor({ timeout: 10_000 });
    const path = await child.first().getAttribute("data-path");
    await child.first().click();
    await page
      .locator("#node-path", { hasText: new RegExp(`^${escapeRegExp(path ?? "")}$`) })
      .waitFor({ timeout: 10_000 });
    if (view === "overview") await page.click('nav button[data-tab="overview"]');
    const polled = this.polls;
    await page.waitForResponse((r) => r.url().endsWith("/api/status"), { timeout: 10_000 });
    if (this.polls <= polled) throw new Error("the dashboard does not poll /api/status");
    this.polls = 0;
  }

  /** Closes the page (the browser stays). */
  async closePage(): Promise<void> {
    await this.page?.close();
    this.page = null;
  }

  async close(): Promise<void> {
    await this.closePage().catch(() => {});
    await this.browser.close();
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
