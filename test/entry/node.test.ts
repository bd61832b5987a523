import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodeDefault, { HeedError, createHeed, isHeedError, type InitConfig } from '../../src/entry/node';
import { startServer, type TestServer } from '../helpers/server';

const TOKEN = 'nodeTok';
const FLAG = '__mp_opt_in_out_' + TOKEN;
const PROFILE = `mp_${TOKEN}_mixpanel`;

let server: TestServer;
let dir: string;
const env = { DO_NOT_TRACK: process.env.DO_NOT_TRACK };

beforeEach(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'heed-node-'));
  delete process.env.DO_NOT_TRACK;
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

function start(config: InitConfig = {}) {
  const heed = createHeed();
  heed.init(TOKEN, { api_host: server.url, batch_flush_interval_ms: 60_000, ...config });
  return heed;
}

const readState = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;

describe('Node entry', () => {
  it('has the same API and sends Node context instead of page fields', async () => {
    expect(typeof nodeDefault.init).toBe('function');
    const heed = start();
    heed.identify('server-user');
    heed.people.set('plan', 'pro');
    heed.track('job done', { ms: 12 });
    await heed.flush();
    const done = server.accepted('track').find((e) => e.event === 'job done');
    expect(done.properties).toMatchObject({
      token: TOKEN,
      distinct_id: 'server-user',
      $user_id: 'server-user',
      mp_lib: 'heed',
      $os: process.platform,
      ms: 12,
    });
    expect(done.properties).not.toHaveProperty('$current_url');
    expect(server.accepted('engage')).toEqual([
      expect.objectContaining({ $distinct_id: 'server-user', $set: { plan: 'pro' } }),
    ]);
    expect(isHeedError(new HeedError('x', 500))).toBe(true);
    expect(isHeedError(new Error('x'))).toBe(false);
  });

  describe('DO_NOT_TRACK', () => {
    it.each(['1', 'true', 'yes', 'YES'])('DO_NOT_TRACK=%s opts out: nothing is sent', async (value) => {
      process.env.DO_NOT_TRACK = value;
      const heed = start();
      expect(heed.has_opted_out_tracking()).toBe(true);
      expect(heed.has_opted_in_tracking()).toBe(false);
      expect(heed.consent.status()).toBe('denied');
      const results: unknown[] = [];
      heed.track('x', {}, (r) => results.push(r));
      heed.identify('u');
      heed.people.set('a', 1, (r) => results.push(r));
      await heed.flush();
      await server.quiet();
      expect(results).toEqual([0, 0]);
      expect(server.requests).toEqual([]);
    });

    it.each(['0', '', 'false'])('DO_NOT_TRACK=%j does not opt out', async (value) => {
      process.env.DO_NOT_TRACK = value;
      const heed = start();
      expect(heed.has_opted_out_tracking()).toBe(false);
      heed.track('x');
      await heed.flush();
      expect(server.accepted('track')).toHaveLength(1);
    });

    it('ignore_dnt: true tracks despite DO_NOT_TRACK=1', async () => {
      process.env.DO_NOT_TRACK = '1';
      const heed = start({ ignore_dnt: true });
      expect(heed.has_opted_out_tracking()).toBe(false);
      heed.track('x');
      await heed.flush();
      expect(server.accepted('track').map((e) => e.event)).toEqual(['x']);
    });

    it('an explicit opt_in_tracking() wins over DO_NOT_TRACK=1', async () => {
      process.env.DO_NOT_TRACK = '1';
      const heed = start();
      heed.opt_in_tracking();
      expect(heed.has_opted_out_tracking()).toBe(false);
      heed.track('x');
      await heed.flush();
      expect(server.accepted('track').map((e) => e.event)).toEqual(['$opt_in', 'x']);
    });
  });

  describe("persistence: 'file'", () => {
    it('keeps the consent flag and the identity across runs; opt-out removes the profile but keeps the flag', async () => {
      const path = join(dir, 'nested', 'state.json');
      const config: InitConfig = { persistence: 'file', persistence_path: path, opt_out_tracking_by_default: true };

      // Run 1: nothing is written before consent.
      const run1 = start(config);
      run1.identify('cli-user');
      run1.register({ plan: 'pro' });
      expect(existsSync(path)).toBe(false);
      run1.opt_in_tracking({ track: false });
      run1.track('run 1');
      await run1.flush();
      const device = run1.get_property('$device_id');
      const state1 = readState(path);
      expect(state1[FLAG]).toBe('1');
      expect(JSON.parse(state1[PROFILE])).toMatchObject({ distinct_id: 'cli-user', $device_id: device, plan: 'pro' });

      // Run 2: a new instance reads the decision and the identity back.
      const run2 = start(config);
      expect(run2.has_opted_in_tracking()).toBe(true);
      expect(run2.get_distinct_id()).toBe('cli-user');
      expect(run2.get_property('plan')).toBe('pro');
      run2.track('run 2');
      await run2.flush();
      const events = server.accepted('track');
      expect(events.map((e) => e.event)).toEqual(['run 1', 'run 2']);
      expect(events[1].properties).toMatchObject({ distinct_id: 'cli-user', $device_id: device, plan: 'pro' });

      // Opt-out: the profile keys go, the '0' flag stays.
      run2.opt_out_tracking({ delete_user: false });
      expect(readState(path)).toEqual({ [FLAG]: '0' });

      // Run 3: still opted out, nothing sent, nothing but the flag in the file.
      const run3 = start(config);
      expect(run3.has_opted_out_tracking()).toBe(true);
      run3.identify('someone');
      run3.track('run 3');
      await run3.flush();
      await server.quiet();
      expect(server.accepted('track')).toHaveLength(2);
      expect(readState(path)).toEqual({ [FLAG]: '0' });
    });
  });

  // That nothing lands in the home directory is checked in a child process (process.test.ts):
  // os.homedir() reads the real environment, which jest does not let a test change.
  it('defaults to memory persistence: no file is written and a new instance starts fresh (a new process would too)', async () => {
    const first = start();
    first.opt_in_tracking({ track: false });
    first.identify('mem-user');
    first.register({ a: 1 });
    first.track('x');
    await first.flush();
    expect(server.accepted('track').find((e) => e.event === 'x').properties).toMatchObject({ distinct_id: 'mem-user', a: 1 });

    const second = start();
    expect(second.has_opted_in_tracking()).toBe(false);
    expect(second.get_distinct_id()).not.toBe(first.get_distinct_id());
    expect(second.get_property('a')).toBeUndefined();
  });
});
