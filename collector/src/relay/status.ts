import type { Metrics } from './metrics.js';
import { ENDPOINTS, type Endpoint } from './options.js';
import type { Sender } from './sender.js';
import type { RelayRoute } from './server.js';
import type { Spool, Waiting } from './spool.js';

/**
 * `/healthz` for the load balancer and `/metrics` for Prometheus. Health means "accepting": an
 * upstream outage does not fail it (the spool holds the items), a draining relay does (503), so
 * the balancer stops sending before SIGTERM's close completes.
 */
export interface StatusConfig {
  spool: Spool;
  metrics: Metrics;
  senders: Record<Endpoint, Sender>;
  draining(): boolean;
}

export function statusRoutes(config: StatusConfig): RelayRoute[] {
  return [
    {
      path: /^\/healthz\/?$/,
      handlers: {
        GET(ctx) {
          const waiting = config.spool.waiting();
          const spooled = ENDPOINTS.reduce((sum, e) => sum + waiting[e].count, 0);
          const upstream = ENDPOINTS.every((e) => config.senders[e].up) ? 'up' : 'failing';
          const status = config.draining() ? 'draining' : 'ok';
          ctx.send(status === 'ok' ? 200 : 503, { status, upstream, spooled }, { 'cache-control': 'no-store' });
        },
      },
    },
    {
      path: /^\/metrics\/?$/,
      handlers: {
        GET(ctx) {
          const text = config.metrics.render(gauges(config, config.spool.waiting()));
          ctx.send(200, text, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        },
      },
    },
  ];
}

function gauges({ senders }: StatusConfig, spooled: Record<Endpoint, Waiting>) {
  const now = Date.now();
  const waiting = ENDPOINTS.map((endpoint) => ({ endpoint, ...spooled[endpoint] }));
  return [
    {
      name: 'heed_relay_spooled',
      help: 'Items waiting in the spool now.',
      samples: waiting.map((w) => ({ labels: { endpoint: w.endpoint }, value: w.count })),
    },
    {
      name: 'heed_relay_oldest_spooled_age_seconds',
      help: 'Age of the oldest waiting item (0 when none waits).',
      samples: waiting.map((w) => ({ labels: { endpoint: w.endpoint }, value: w.oldestAt === null ? 0 : Math.max(0, (now - w.oldestAt) / 1000) })),
    },
    {
      name: 'heed_relay_upstream_up',
      help: '1 unless the last upstream request of the endpoint failed.',
      samples: ENDPOINTS.map((endpoint) => ({ labels: { endpoint }, value: senders[endpoint].up ? 1 : 0 })),
    },
    {
      name: 'process_resident_memory_bytes',
      help: 'Resident memory of the relay process.',
      samples: [{ labels: {}, value: process.memoryUsage.rss() }],
    },
  ];
}
