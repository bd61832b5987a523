// The `heed-privacy` command (dist/heed-privacy.mjs): process glue around runPrivacyCli.
import { runPrivacyCli } from './command';

const controller = new AbortController();
let interrupted = false;
process.on('SIGINT', () => {
  // The first Ctrl-C stops waiting (jobs go on at the server); a second one exits at once.
  if (interrupted) process.exit(130);
  interrupted = true;
  controller.abort();
});

runPrivacyCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('heed-privacy:', error);
    process.exitCode = 1;
  },
);
