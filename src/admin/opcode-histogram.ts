// A Prometheus histogram with one label, recorded without allocating: a fixed array of
// bucket counts per label value, found by index. prom-client's own Histogram builds a label
// object and a hash string on every observation, which for one observation per client
// request is garbage the member would pay for at 10,000+ requests a second; this records
// with a short scan over the bounds and two additions, and is rendered by prom-client's
// registry like any of its metrics (registerMetric with get()).
import type { Registry } from "prom-client";

interface Series {
  label: string;
  /** Count per bucket (not cumulative); the last slot is +Inf. */
  buckets: Float64Array;
  sum: number;
  count: number;
}

export class LabelledHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly series: (Series | undefined)[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelName: string,
    private readonly upperBounds: readonly number[],
  ) {}

  /**
   * Records `value` for the label at `index` (a small non-negative integer the caller maps
   * its label values to); `label` names it the first time it is seen.
   */
  observe(index: number, label: string, value: number): void {
    let s = this.series[index];
    if (s === undefined) {
      s = { label, buckets: new Float64Array(this.upperBounds.length + 1), sum: 0, count: 0 };
      this.series[index] = s;
    }
    const bounds = this.upperBounds;
    let b = 0;
    while (b < bounds.length && value > bounds[b]) b++;
    s.buckets[b]++;
    s.sum += value;
    s.count++;
  }

  reset(): void {
    this.series.length = 0;
  }

  get(): {
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: { labels: Record<string, string | number>; value: number; metricName: string }[];
  } {
    const values: {
      labels: Record<string, string | number>;
      value: number;
      metricName: string;
    }[] = [];
    for (const s of this.series) {
      if (s === undefined) continue;
      let cumulative = 0;
      for (let b = 0; b <= this.upperBounds.length; b++) {
        cumulative += s.buckets[b];
        const le = b < this.upperBounds.length ? this.upperBounds[b] : "+Inf";
        values.push({
          labels: { [this.labelName]: s.label, le },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      }
      values.push({
        labels: { [this.labelName]: s.label },
        value: s.sum,
        metricName: `${this.name}_sum`,
      });
      values.push({
        labels: { [this.labelName]: s.label },
        value: s.count,
        metricName: `${this.name}_count`,
      });
    }
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
