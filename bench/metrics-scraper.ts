// A Prometheus-style scraper for bench/admin-overhead.ts: GET /metrics every interval on one
// kept-alive connection, with Prometheus's Accept header, each answer parsed as a Prometheus
// server would parse it (test/admin/prometheus-text.ts, which throws on anything a server
// would reject) and checked for a family the member always publishes. A scrape that is still
// running when the next is due delays it rather than overlapping it, as Prometheus never
// scrapes one target twice at once.
import { Agent, request } from "node:http";
import { parsePrometheusText } from "../test/admin/prometheus-text.js";

const acceptHeader =
  "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1";

export class MetricsScraper {
  scrapes = 0;
  failures = 0;
  slowestMs = 0;
  lastError = "";
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly port: number,
    private readonly intervalMs = 1000,
    private readonly timeoutMs = 5000,
  ) {}

  /** Scrapes now and then every interval until stop(). */
  start(): void {
    this.scrapes = 0;
    this.failures = 0;
    this.slowestMs = 0;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  close(): void {
    this.agent.destroy();
  }

  private tick(): void {
    if (this.inFlight !== null) return;
    this.inFlight = this.scrape().finally(() => {
      this.inFlight = null;
    });
  }

  private async scrape(): Promise<void> {
    const started = performance.now();
    try {
      const text = await this.get();
      const families = parsePrometheusText(text);
      if (!families.has("znode_count")) throw new Error("no znode_count in the scrape");
      this.scrapes++;
    } catch (err) {
      this.failures++;
      this.lastError = err instanceof Error ? err.message : String(err);
    }
    this.slowestMs = Math.max(this.slowestMs, performance.now() - started);
  }

  private get(): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: this.port,
          path: "/metrics",
          agent: this.agent,
          headers: { accept: acceptHeader },
          timeout: this.timeoutMs,
        },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            body += chunk;
          });
          res.on("end", () =>
            res.statusCode === 200
              ? resolve(body)
              : reject(new Error(`/metrics answered ${res.statusCode}`)),
          );
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error("/metrics timed out")));
      req.on("error", reject);
      req.end();
    });
  }
}
