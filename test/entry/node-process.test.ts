import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type Collector } from '../../collector/src/index';
import { compileSources, runNode } from '../helpers/child';

// A real `node` process per case: whether it exits on its own, and what it leaves on disk, can
// only be seen from outside. The batch interval is 60 s, so a timer that kept the event loop
// alive would show as a kill at the 15 s limit.
const TOKEN = 'processTok';
let root: string;
let entry: string;
let collector: Collector;
let home: string;
let cwd: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'heed-process-'));
  entry = compileSources(join(root, 'build'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeEach(async () => {
  collector = await startCollector();
  home = mkdtempSync(join(root, 'home-'));
  cwd = mkdtempSync(join(root, 'cwd-'));
});
afterEach(async () => {
  await collector.close();
});

/** A script that loads the Node entry and runs `body` in an async function with `heed` ready. */
const script = (config: object, body: string) => `
const { createHeed } = require(${JSON.stringify(entry)});
const heed = createHeed();
heed.init(${JSON.stringify(TOKEN)}, ${JSON.stringify({ batch_flush_interval_ms: 60_000, ...config })});
(async () => { ${body} })().catch((e) => { console.error(e); process.exitCode = 1; });
`;

const events = async (): Promise<any[]> => (await (await fetch(`${collector.url}/api/events?token=${TOKEN}`)).json()).events;

describe('a Node process using heed', () => {
  it('exits on its own after await heed.flush(), with everything delivered', async () => {
    const result = await runNode(
      script(
        { api_host: collector.url, batch_size: 50 },
        `for (let i = 0; i < 120; i++) heed.track('job', { i });
         await heed.flush();
         console.log('flushed');`,
      ),
      { cwd, env: { HOME: home } },
    );
    expect(result).toMatchObject({ code: 0, signal: null, stderr: '' });
    expect(result.stdout.trim()).toBe('flushed');
    expect(result.ms).toBeLessThan(10_000);
    expect(await events()).toHaveLength(120);
  });

  it('exits on its own without flush(): the batch timer does not hold the process', async () => {
    const result = await runNode(script({ api_host: collector.url }, `heed.track('unflushed'); console.log('done');`), {
      cwd,
      env: { HOME: home },
    });
    expect(result).toMatchObject({ code: 0, signal: null });
    expect(result.ms).toBeLessThan(10_000);
  });

  it('exits on its own when the server is down: the retry timer does not hold it either', async () => {
    const url = collector.url;
    await collector.close();
    const result = await runNode(
      script(
        { api_host: url },
        `heed.track('lost');
         try { await heed.flush(); } catch (e) { console.log(e.name); }`,
      ),
      { cwd, env: { HOME: home } },
    );
    collector = await startCollector(); // for afterEach
    expect(result).toMatchObject({ code: 0, signal: null });
    expect(result.stdout.trim()).toBe('HeedError');
  });

  it('writes nothing to the home directory or the working directory by default (memory persistence)', async () => {
    const result = await runNode(
      script(
        { api_host: collector.url },
        `heed.opt_in_tracking();
         heed.identify('cli-user');
         heed.register({ plan: 'pro' });
         heed.time_event('job');
         heed.track('job');
         await heed.flush();
         heed.opt_out_tracking({ delete_user: false });
         heed.clear_opt_in_out_tracking();
         heed.track('again');
         await heed.flush();`,
      ),
      { cwd, env: { HOME: home } },
    );
    expect(result).toMatchObject({ code: 0, signal: null, stderr: '' });
    expect((await events()).map((e) => e.event).sort()).toEqual(['$identify', '$opt_in', 'again', 'job']);
    expect(readdirSync(home)).toEqual([]);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("persistence: 'file' without persistence_path keeps its state in $HOME/.heed/state.json", async () => {
    const run = () =>
      runNode(
        script(
          { api_host: collector.url, persistence: 'file' },
          `console.log(JSON.stringify({ id: heed.get_distinct_id(), optedIn: heed.has_opted_in_tracking() }));
           if (!heed.has_opted_in_tracking()) { heed.opt_in_tracking({ track: false }); heed.identify('file-user'); }
           await heed.flush();`,
        ),
        { cwd, env: { HOME: home } },
      );
    const first = await run();
    expect(JSON.parse(first.stdout)).toMatchObject({ optedIn: false, id: expect.stringMatching(/^\$device:/) });
    expect(readdirSync(join(home, '.heed'))).toEqual(['state.json']);
    const second = await run();
    expect(JSON.parse(second.stdout)).toEqual({ id: 'file-user', optedIn: true });
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('DO_NOT_TRACK=1 in the real environment opts the process out', async () => {
    const result = await runNode(
      script(
        { api_host: collector.url, batch_size: 1 },
        `heed.track('x');
         heed.people.set('a', 1);
         await heed.flush();
         console.log(heed.has_opted_out_tracking());`,
      ),
      { cwd, env: { HOME: home, DO_NOT_TRACK: '1' } },
    );
    expect(result.stdout.trim()).toBe('true');
    expect(await events()).toEqual([]);
  });
});
