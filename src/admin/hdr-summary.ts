// A Prometheus summary (quantiles 0.5, 0.9 and 0.99, sum and count) recorded into Node's
// native HdrHistogram (perf_hooks.createHistogram) and registered with prom-client as a
// custom metric: prom-client's own Summary feeds a JavaScript t-digest on every observation,
// which is too dear for one observation per client request, while recording into the native
// histogram is a single call. Quantiles are exact to the histogram's 3 significant digits.
//
// ZooKeeper's PrometheusMetricsProvider publishes its latency figures (readlatency,
// updatelatency, fsynctime, snapshottime) as summaries with these quantiles, in milliseconds;
// this keeps those names, shapes and units.
import { createHistogram, type RecordableHistogram } from "node:perf_hooks";
import type { Registry } from "prom-client";

const quantiles = [0.5, 0.9, 0.99] as const;

export class HdrSummary {
  readonly type = "summary";
  readonly aggregator = "sum";
  private histogram: RecordableHistogram = createHistogram();
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    /** Values are recorded in integer units of 1 / resolution (1000: microseconds for ms). */
    private readonly resolution = 1000,
  ) {}

  observe(value: number): void {
    const scaled = Math.round(value * this.resolution);
    // The native histogram takes integers >= 1; a zero latency is recorded as the smallest.
    this.histogram.record(Math.max(scaled, 1));
    this.sum += value;
    this.count++;
  }

  reset(): void {
    this.histogram = createHistogram();
    this.sum = 0;
    this.count = 0;
  }

  get(): {
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: { labels: Record<string, string | number>; value: number; metricName?: string }[];
  } {
    const values: {
      labels: Record<string, string | number>;
      value: number;
      metricName?: string;
    }[] = [];
    for (const q of quantiles) {
      const v = this.count === 0 ? 0 : this.histogram.percentile(q * 100) / this.resolution;
      values.push({ labels: { quantile: q }, value: v });
    }
    values.push({ labels: {}, value: this.sum, metricName: `${this.name}_sum` });
    values.push({ labels: {}, value: this.count, metricName: `${this.name}_count` });
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    };
  }

  register(registry: Registry): this {
    registry.registerMetric(this as never);
    return this;
  }
}
