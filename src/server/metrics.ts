/**
 * A small Prometheus registry, hand-written because the service needs three kinds of series and
 * the text format is simple. Other modules add their own counters, gauges and histograms, or a
 * whole collector (anything with `prometheus(): string`, e.g. the run manager's RunMetrics).
 * Label values here are routes, methods, status codes and states — never identifiers.
 */

type Labels = Readonly<Record<string, string>>;

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${escapeLabel(labels[k]!)}"`).join(',')}}`;
}

function escapeLabel(v: string): string {
  return v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

export interface Collector {
  prometheus(): string;
}

export class Counter implements Collector {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }

  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }

  prometheus(): string {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values) out.push(`${this.name}${k} ${v}`);
    return `${out.join('\n')}\n`;
  }
}

export class Gauge implements Collector {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  set(value: number, labels: Labels = {}): void {
    this.values.set(labelKey(labels), value);
  }

  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }

  dec(labels: Labels = {}, by = 1): void {
    this.inc(labels, -by);
  }

  prometheus(): string {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [k, v] of this.values) out.push(`${this.name}${k} ${v}`);
    return `${out.join('\n')}\n`;
  }
}

interface Series {
  readonly labels: Labels;
  readonly counts: number[];
  sum: number;
  count: number;
}

export class Histogram implements Collector {
  private readonly series = new Map<string, Series>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}

  observe(value: number, labels: Labels = {}): void {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (s === undefined) {
      s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  prometheus(): string {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      for (let i = 0; i < this.buckets.length; i++)
        out.push(
          `${this.name}_bucket${labelKey({ ...s.labels, le: String(this.buckets[i]) })} ${s.counts[i]}`,
        );
      out.push(`${this.name}_bucket${labelKey({ ...s.labels, le: '+Inf' })} ${s.count}`);
      out.push(`${this.name}_sum${labelKey(s.labels)} ${s.sum}`);
      out.push(`${this.name}_count${labelKey(s.labels)} ${s.count}`);
    }
    return `${out.join('\n')}\n`;
  }
}

export class MetricsRegistry {
  private readonly collectors = new Map<string, Collector>();

  counter(name: string, help: string): Counter {
    return this.add(name, new Counter(name, help));
  }

  gauge(name: string, help: string): Gauge {
    return this.add(name, new Gauge(name, help));
  }

  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.add(name, new Histogram(name, help, buckets));
  }

  /** Adds a collector that renders its own series (names must not clash with others). */
  register(name: string, collector: Collector): void {
    this.add(name, collector);
  }

  render(): string {
    return [...this.collectors.values()].map((c) => c.prometheus()).join('');
  }

  private add<C extends Collector>(name: string, c: C): C {
    if (this.collectors.has(name)) throw new Error(`metric ${name} registered twice`);
    this.collectors.set(name, c);
    return c;
  }
}

/** The HTTP layer's own series, created with the registry by buildApp. */
export interface HttpMetrics {
  readonly requests: Counter;
  readonly latency: Histogram;
  readonly uploadBytes: Counter;
  readonly uploadRecords: Counter;
}

/** Request latency buckets, seconds: health checks to a large upload. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

export function httpMetrics(registry: MetricsRegistry): HttpMetrics {
  return {
    requests: registry.counter(
      'cohortlink_http_requests_total',
      'HTTP requests by method, route and status.',
    ),
    latency: registry.histogram(
      'cohortlink_http_request_duration_seconds',
      'HTTP request latency by method and route.',
      LATENCY_BUCKETS,
    ),
    uploadBytes: registry.counter('cohortlink_upload_bytes_total', 'Bytes of encodings stored by uploads.'),
    uploadRecords: registry.counter('cohortlink_upload_records_total', 'Encodings stored by uploads.'),
  };
}
