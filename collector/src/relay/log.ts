/** One structured log entry: what happened (`msg`) and its facts as flat fields. */
export interface LogEntry {
  time: string;
  level: 'info' | 'warn' | 'error';
  msg: string;
  [field: string]: unknown;
}

export type LogSink = (entry: LogEntry) => void;
export type Log = (level: LogEntry['level'], msg: string, fields?: Record<string, unknown>) => void;

const RANK = { info: 0, warn: 1, error: 2 } as const;

/**
 * One JSON line per event worth logging (start, stop, upstream failures and recoveries, refusals
 * by the upstream, purges), never one per request: the reverse proxy in front keeps access logs.
 */
export function createLog(setting: 'info' | 'warn' | 'off' | LogSink | undefined): Log {
  if (setting === undefined || setting === 'off') return () => undefined;
  const sink: LogSink = typeof setting === 'function' ? setting : (entry) => process.stdout.write(`${JSON.stringify(entry)}\n`);
  const min = typeof setting === 'function' ? 0 : RANK[setting];
  return (level, msg, fields = {}) => {
    if (RANK[level] < min) return;
    sink({ time: new Date().toISOString(), level, msg, ...fields });
  };
}
