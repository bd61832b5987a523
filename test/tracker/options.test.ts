/** @jest-environment jsdom */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaults } from '../../src/config';
import type { InitConfig } from '../../src/entry/browser';
import { useTracker } from '../helpers/tracker';

const rig = useTracker('optionsTok');
const ROOT = join(__dirname, '..', '..');

/** mixpanel-browser's DEFAULT_CONFIG keys, read from its source (node_modules/mixpanel-browser, 2.8x). */
const mixpanelOptions = (): string[] => {
  const source = readFileSync(join(ROOT, 'node_modules/mixpanel-browser/src/mixpanel-core.js'), 'utf8');
  const block = /var DEFAULT_CONFIG = \{([\s\S]*?)\n\};/.exec(source)![1];
  return [...block.matchAll(/^\s*'([a-z_]+)':/gm)].map((m) => m[1]);
};

/** The README's options table: option name -> its first word (same, different, refused). */
const readmeOptions = (): Map<string, string> => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('### Options'), readme.indexOf('heed adds `ignore_gpc`'));
  const rows = new Map<string, string>();
  for (const [, names, status] of table.matchAll(/^\| (.+?) \| (same|different|refused)/gm)) {
    for (const [, name] of names.matchAll(/`([a-z_]+)`/g)) rows.set(name, status);
  }
  return rows;
};

describe('no option silently ignored', () => {
  const options = mixpanelOptions();
  const readme = readmeOptions();

  it('reads all of mixpanel-browser’s options', () => {
    expect(options.length).toBeGreaterThan(60);
    expect(options).toEqual(expect.arrayContaining(['api_host', 'track_pageview', 'record_sessions_percent', 'hooks']));
  });

  it.each(mixpanelOptions())('%s is implemented (a heed default) or refused, and the README says which', (name) => {
    const implemented = name in defaults();
    expect(readme.get(name)).toEqual(implemented ? expect.stringMatching(/^(same|different)$/) : 'refused');
  });

  it('a refused option prints one debug warning naming it; an implemented one prints none', () => {
    const refused = options.filter((name) => !(name in defaults()));
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const config = Object.fromEntries(refused.map((name) => [name, true])) as InitConfig;
      rig.start({ ...config, debug: true, ignore_dnt: true, track_marketing: false });
      const warned = warn.mock.calls.map((c) => String(c[0]));
      for (const name of refused) expect(warned.filter((w) => w.includes(`"${name}"`))).toHaveLength(1);
      expect(warned.filter((w) => /ignore_dnt|track_marketing|debug/.test(w))).toEqual([]);
      warn.mockClear();
      rig.start({ debug: true }).set_config({ autocapture: true, batch_size: 10 } as InitConfig);
      expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringContaining('"autocapture" is not supported by heed')]);
    } finally {
      warn.mockRestore();
    }
  });

  it('error_reporter receives every warning, with or without debug', () => {
    const reported: string[] = [];
    const heed = rig.start({ error_reporter: (message) => void reported.push(message) });
    heed.track('');
    expect(reported).toEqual([expect.stringContaining('the event name must be a non-empty string')]);
  });

  it('opt_out_persistence_by_default: false is refused loudly (heed stores nothing before consent)', () => {
    const reported: string[] = [];
    rig.start({ opt_out_persistence_by_default: false, error_reporter: (m) => void reported.push(m) });
    expect(reported).toEqual([expect.stringContaining('opt_out_persistence_by_default: false is refused')]);
  });
});
