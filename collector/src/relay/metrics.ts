import { ENDPOINTS } from './options.js';

/**
 * The relay's counters, and `/metrics` in the Prometheus text format (version 0.0.4). Counters
 * count since the process started; the spool gauges are read from the spool at scrape time.
 *
 * The books balance: accepted = forwarded + rejected + purged + spooled (across restarts, counting
 * what a previous process accepted into the same spool).
 */
const COUNTERS = {
  heed_relay_requests_total: 'Ingestion requests answered, by endpoint and HTTP status.',
  heed_relay_accepted_total: 'Items committed to the spool.',
  heed_relay_duplicates_total: 'Items answered 200 but not stored again: the same $insert_id was already waiting.',
  heed_relay_refused_total: 'Items refused at the edge, by reason (invalid, token, too_large).',
  heed_relay_forwarded_total: 'Items the upstream confirmed with a 2xx.',
  heed_relay_rejected_total: 'Items the upstream refused for good, kept in the spool table `rejected`, by status.',
  heed_relay_retries_total: 'Upstream requests retried after a failure.',
  heed_relay_upstream_errors_total: 'Failed upstream requests, by status (or timeout, network).',
  heed_relay_purged_total: 'Waiting items removed by a GDPR deletion through the relay.',
} as const;
export type Counter = keyof typeof COUNTERS;

export interface Gauge {
  name: string;
  help: string;
  samples: Array<{ labels: Record<string, string>; value: number }>;
}

export interface Metrics {
  inc(name: Counter, labels: Record<string, string>, by?: number): void;
  /** The current value of one series (0 if never touched). */
  value(name: Counter, labels: Record<string, string>): number;
  render(gauges: Gauge[]): string;
}

export function createMetrics(): Metrics {
  const series = new Map<Counter, Map<string, { labels: Record<string, string>; value: number }>>();
  const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort());
  const inc: Metrics['inc'] = (name, labels, by = 1) => {
    let family = series.get(name);
    if (!family) series.set(name, (family = new Map()));
    const k = key(labels);
    const sample = family.get(k);
    if (sample) sample.value += by;
    else family.set(k, { labels, value: by });
  };
  // Series a dashboard expects to see from the first scrape, at 0.
  for (const endpoint of ENDPOINTS) {
    for (const name of ['heed_relay_accepted_total', 'heed_relay_forwarded_total', 'heed_relay_retries_total'] as const) inc(name, { endpoint }, 0);
  }
  inc('heed_relay_purged_total', {}, 0);
  return {
    inc,
    value: (name, labels) => series.get(name)?.get(key(labels))?.value ?? 0,
    render(gauges) {
      const lines: string[] = [];
      for (const [name, help] of Object.entries(COUNTERS) as Array<[Counter, string]>) {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
        for (const s of series.get(name)?.values() ?? []) lines.push(sample(name, s.labels, s.value));
      }
      for (const g of gauges) {
        lines.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`);
        for (const s of g.samples) lines.push(sample(g.name, s.labels, s.value));
      }
      return `${lines.join('\n')}\n`;
    },
  };
}

function sample(name: string, labels: Record<string, string>, value: number): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return `${name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${Number.isFinite(value) ? value : 0}`;
}

/** Parse the text format back into `name{labels}` → value (tests and the benchmark read /metrics with it). */
export function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}
