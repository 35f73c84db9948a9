/**
 * How long the service's event loop was held up, as Prometheus gauges over the interval since
 * the previous scrape: every request waits behind a blocked loop, so a stall here explains a
 * latency spike that no single route shows. Sampled by Node's own timer histogram (10 ms
 * resolution), which costs nothing per request.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { Collector } from './metrics.js';

const NAME = 'cohortlink_event_loop_delay_seconds';

export class EventLoopDelay implements Collector {
  private readonly h: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  constructor() {
    this.h.enable();
  }

  prometheus(): string {
    const s = (ns: number): string => (Number.isFinite(ns) ? ns / 1e9 : 0).toFixed(6);
    const n = this.h.count;
    const out = [
      `# HELP ${NAME} event-loop delay since the previous scrape (p50, p99, max)`,
      `# TYPE ${NAME} gauge`,
      `${NAME}{quantile="0.5"} ${n === 0 ? '0.000000' : s(this.h.percentile(50))}`,
      `${NAME}{quantile="0.99"} ${n === 0 ? '0.000000' : s(this.h.percentile(99))}`,
      `${NAME}{quantile="1"} ${n === 0 ? '0.000000' : s(this.h.max)}`,
    ];
    this.h.reset();
    return `${out.join('\n')}\n`;
  }

  close(): void {
    this.h.disable();
  }
}
