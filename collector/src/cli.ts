#!/usr/bin/env node
import { USAGE, UsageError, parseCliArgs } from './args.js';
import { startCollector } from './index.js';

async function main(): Promise<void> {
  let options;
  try {
    options = parseCliArgs(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`heed-collector: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const collector = await startCollector(options);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C means "now", even if a connection is still draining.
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`${signal}: closing (WAL checkpoint, database close)\n`);
    collector.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Only now: a script that waits for this line may signal the process right away.
  process.stdout.write(`heed collector listening on ${collector.url} (db: ${options.db})\n`);
}

main().catch((error: unknown) => {
  console.error('heed-collector:', error instanceof Error ? error.message : error);
  process.exit(1);
});
