import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { acceptRoutes } from './accept.js';
import { gdprProxyRoutes } from './gdpr-proxy.js';
import { createLog, type Log } from './log.js';
import { createMetrics } from './metrics.js';
import { ENDPOINTS, resolveOptions, type Endpoint, type RelayConfig, type RelayOptions } from './options.js';
import { startSender, type Sender, type SenderConfig } from './sender.js';
import { createRelayServer } from './server.js';
import { openSpool, type Spool, type Waiting } from './spool.js';
import { statusRoutes } from './status.js';
import { createUpstream } from './upstream.js';

export { REGIONS, RelayConfigError, type Endpoint, type Region, type RelayOptions } from './options.js';
export type { LogEntry, LogSink } from './log.js';

export interface Relay {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:53121`. */
  url: string;
  port: number;
  /**
   * Graceful stop: `/healthz` turns 503, no new connections, requests in progress are answered,
   * each sender finishes the batch in flight, then the spool is checkpointed and closed.
   */
  close(): Promise<void>;
}

/** Start the relay: accept Mixpanel ingestion, spool it durably, forward it upstream exactly once. */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const config = resolveOptions(options);
  const log = createLog(config.log);
  const spool = openSpool(config.spool, { dedupeWindowMs: config.dedupeWindowMs });
  const metrics = createMetrics();
  const upstream = createUpstream();

  const fence = purgeFence(spool);
  const senders = startSenders(config, { spool, upstream, metrics, log, purges: fence.idle });

  let draining = false;
  const routes = [
    ...statusRoutes({ spool, metrics, senders, draining: () => draining }),
    ...acceptRoutes([...ENDPOINTS.map((e) => ({ path: `/${e}`, endpoint: e })), ...config.routes], {
      spool,
      metrics,
      log,
      rules: { tokens: config.tokens, maxItemBytes: config.maxItemBytes, maxEncodedBytes: config.batchBytes },
      countryHeader: config.countryHeader,
      maxBodyBytes: config.maxBodyBytes,
      onSpooled: (endpoint) => senders[endpoint].wake(),
    }),
    ...gdprProxyRoutes({
      base: config.gdprUpstream,
      upstream,
      timeoutMs: config.upstreamTimeoutMs,
      maxBodyBytes: config.maxBodyBytes,
      metrics,
      log,
      purge: fence.purge,
    }),
  ];
  const server = createRelayServer(routes, log, (route, status) => {
    if (route.endpoint) metrics.inc('heed_relay_requests_total', { endpoint: route.endpoint, status: String(status) });
  });

  const stop = async () => {
    await Promise.all(ENDPOINTS.map((e) => senders[e].stop()));
    await fence.idle();
    upstream.close();
    const waiting = spool.waiting();
    await spool.close();
    return ENDPOINTS.reduce((n, e) => n + waiting[e].count, 0);
  };
  try {
    await listen(server, config);
  } catch (error) {
    await stop();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logStart(log, config, spool.waiting(), url);

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closing ??= (async () => {
        draining = true;
        await closeServer(server);
        log('info', 'relay stopped', { spooled: await stop() });
      })();
      return closing;
    },
  };
}

/** GDPR purges, one at a time; the senders wait for `idle()` before each batch, so none sends what a purge removes. */
function purgeFence(spool: Spool) {
  let purging: Promise<unknown> = Promise.resolve();
  return {
    idle: () => purging.then(() => undefined),
    purge(token: string, ids: string[]): Promise<number> {
      const run = purging.then(() => spool.purge(token, ids));
      purging = run.catch(() => undefined);
      return run;
    },
  };
}

function startSenders(config: RelayConfig, shared: Pick<SenderConfig, 'spool' | 'upstream' | 'metrics' | 'log' | 'purges'>): Record<Endpoint, Sender> {
  const start = (endpoint: Endpoint) =>
    startSender({
      ...shared,
      endpoint,
      base: config.upstream,
      batchItems: config.batchItems,
      batchBytes: config.batchBytes,
      timeoutMs: config.upstreamTimeoutMs,
      backoff: config.retry,
    });
  return { track: start('track'), engage: start('engage'), groups: start('groups') };
}

function listen(server: http.Server, config: RelayConfig): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stop accepting; answer what is in progress; connections still busy after 10 s are cut. */
function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), 10_000);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function logStart(log: Log, config: RelayConfig, spooled: Record<Endpoint, Waiting>, url: string): void {
  const waiting = Object.fromEntries(ENDPOINTS.map((e) => [e, spooled[e].count]));
  log('info', 'relay started', {
    url,
    upstream: config.upstream.href,
    gdprUpstream: config.gdprUpstream.href,
    spool: config.spool,
    waiting,
    routes: config.routes,
  });
  if (!config.tokens) log('warn', 'no token allow-list: items of every project token are forwarded (set tokens / --tokens)');
}
