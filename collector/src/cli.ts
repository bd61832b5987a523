#!/usr/bin/env node
import { USAGE, UsageError, isRelayCommand, parseCliArgs, parseRelayArgs } from './args.js';
import { startCollector } from './index.js';
import { startRelay } from './relay/index.js';

interface Running {
  close(): Promise<void>;
  /** Printed once the signal handlers are in place: scripts wait for it, then may signal at once. */
  ready: string;
  /** Printed on the first stop signal. */
  closing: (signal: NodeJS.Signals) => string;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let running: Running;
  try {
    running = isRelayCommand(argv) ? await relay(argv) : await collector(argv);
  } catch (error) {
    if (!(error instanceof UsageError) && (error as Error).name !== 'RelayConfigError') throw error;
    process.stderr.write(`heed-collector: ${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  onStopSignals(running);
  process.stdout.write(`${running.ready}\n`);
}

async function collector(argv: string[]): Promise<Running> {
  const options = parseCliArgs(argv, process.env);
  if (options === 'help') return help();
  const collector = await startCollector(options);
  return {
    close: () => collector.close(),
    ready: `heed collector listening on ${collector.url} (db: ${options.db})`,
    closing: (signal) => `${signal}: closing (WAL checkpoint, database close)`,
  };
}

async function relay(argv: string[]): Promise<Running> {
  const options = parseRelayArgs(argv, process.env);
  if (options === 'help') return help();
  const relay = await startRelay(options);
  // JSON like the relay's other log lines; printed with --quiet too, since scripts wait for it.
  const line = (msg: string, fields: object = {}) => JSON.stringify({ time: new Date().toISOString(), level: 'info', msg, ...fields });
  return {
    close: () => relay.close(),
    ready: line(`heed relay listening on ${relay.url}`, { url: relay.url }),
    closing: (signal) => line(`${signal}: draining (answering requests in progress, finishing the batches in flight, closing the spool)`),
  };
}

function help(): never {
  process.stdout.write(USAGE);
  process.exit(0);
}

function onStopSignals(running: Running): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C means "now", even if a connection is still draining.
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`${running.closing(signal)}\n`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error('heed-collector:', error instanceof Error ? error.message : error);
  process.exit(1);
});
