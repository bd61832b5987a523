// node examples/node/track.mjs
//
// heed in a Node program: a batch job that reports what it did. Events go to HEED_API_HOST (a
// collector URL, or us / eu / in for Mixpanel; default the local collector) with HEED_TOKEN.
// DO_NOT_TRACK=1 in the environment (consoledonottrack.com) turns tracking off: nothing is sent.
import heed from 'heed'; // the Node entry, through the `node` export condition

heed.init(process.env.HEED_TOKEN || 'node-example', {
  api_host: process.env.HEED_API_HOST || 'http://127.0.0.1:8787',
  batch_flush_interval_ms: 1000,
});

// A server has no single visitor: name the actor on each event (or `heed.identify()` in a CLI).
const worker = `worker-${process.pid}`;
heed.track('Job Started', { distinct_id: worker, job: 'resize-images' });

let resized = 0;
for (const name of ['a.png', 'b.png', 'c.png']) {
  // ... the real work ...
  resized++;
  heed.track('Image Resized', { distinct_id: worker, name });
}
heed.track('Job Finished', { distinct_id: worker, resized });

// Timers never keep Node alive: without this, queued events would be lost at exit. A process
// stopped by a signal flushes too, within a second.
process.once('SIGINT', () => heed.flush().finally(() => process.exit(130)));
try {
  await heed.flush();
  console.log(heed.consent.status() === 'granted' ? `sent ${resized + 2} events` : 'tracking is off (DO_NOT_TRACK): nothing sent');
} catch (error) {
  // flush() rejects when the events could not be delivered; analytics must not fail the job.
  console.warn(`analytics not delivered: ${error.message}`);
}
