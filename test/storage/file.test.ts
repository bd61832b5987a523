import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStore } from '../../src/storage/file';
import type { StoreKind } from '../../src/storage/types';

function recorder() {
  const calls: Array<[StoreKind, unknown]> = [];
  return { calls, onFailure: (kind: StoreKind, error: unknown) => void calls.push([kind, error]) };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'heed-file-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('fileStore', () => {
  it('touches no file until it writes, then creates the parent directories', () => {
    const path = join(dir, 'nested', 'deeper', 'heed.json');
    const store = fileStore(path, 'consent_');
    expect(existsSync(join(dir, 'nested'))).toBe(false);
    expect(store.get('t1')).toBeUndefined();
    expect(store.keys()).toEqual([]);
    store.remove('t1');
    expect(existsSync(join(dir, 'nested'))).toBe(false);

    store.set('t1', '0');
    expect(readJson(path)).toEqual({ consent_t1: '0' });
    expect(store.get('t1')).toBe('0');
    expect(readdirSync(join(dir, 'nested', 'deeper'))).toEqual(['heed.json']);
  });

  it('writes the file readable by its owner only', () => {
    const path = join(dir, 'heed.json');
    fileStore(path, 'p_').set('k', 'v');
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('shares one file between prefixes without losing either', () => {
    const path = join(dir, 'heed.json');
    const consent = fileStore(path, 'consent_');
    const profile = fileStore(path, 'profile_');
    consent.set('t1', '1');
    profile.set('distinct_id', 'abc');
    consent.set('t2', '0');
    profile.set('device_id', 'dev');

    expect(readJson(path)).toEqual({
      consent_t1: '1',
      consent_t2: '0',
      profile_distinct_id: 'abc',
      profile_device_id: 'dev',
    });
    expect(consent.keys().sort()).toEqual(['t1', 't2']);
    expect(profile.keys().sort()).toEqual(['device_id', 'distinct_id']);
    expect(consent.get('distinct_id')).toBeUndefined();
    expect(fileStore(path, 'profile_').get('distinct_id')).toBe('abc');
  });

  it('deletes the file when its last key is removed', () => {
    const path = join(dir, 'heed.json');
    const a = fileStore(path, 'a_');
    const b = fileStore(path, 'b_');
    a.set('k', '1');
    b.set('k', '2');
    a.remove('k');
    expect(readJson(path)).toEqual({ b_k: '2' });
    b.remove('k');
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('ignores inherited names and values that are not strings', () => {
    const path = join(dir, 'heed.json');
    writeFileSync(path, JSON.stringify({ p_n: 1, p_s: 's' }));
    const store = fileStore(path, 'p_');
    expect(store.get('n')).toBeUndefined();
    expect(store.get('s')).toBe('s');
    expect(fileStore(path, '').get('toString')).toBeUndefined();
  });

  it.each([
    ['not JSON', '{"consent_t1": "1"'],
    ['a JSON array', '["consent_t1"]'],
    ['JSON null', 'null'],
  ])('reports a file holding %s once, reads it as empty and replaces it on write', (_, text) => {
    const path = join(dir, 'heed.json');
    writeFileSync(path, text);
    const { calls, onFailure } = recorder();
    const store = fileStore(path, 'consent_', onFailure);

    expect(store.get('t1')).toBeUndefined();
    expect(store.keys()).toEqual([]);
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe('file');
    expect(String(calls[0][1])).toContain('does not hold a JSON object');

    store.set('t1', '0');
    expect(readJson(path)).toEqual({ consent_t1: '0' });
    expect(fileStore(path, 'consent_').get('t1')).toBe('0');
    expect(calls).toHaveLength(1);
  });

  it('falls back to memory when a file stands where its directory should be', () => {
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const { calls, onFailure } = recorder();
    const a = fileStore(join(blocker, 'heed.json'), 'a_', onFailure);
    const b = fileStore(join(blocker, 'heed.json'), 'b_');

    expect(a.get('k')).toBeUndefined(); // ENOTDIR on read
    expect(() => a.set('k', '1')).not.toThrow();
    expect(a.get('k')).toBe('1');
    a.set('j', '2');
    expect(a.keys().sort()).toEqual(['j', 'k']);
    expect(b.get('k')).toBeUndefined();
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe('file');
    expect((calls[0][1] as NodeJS.ErrnoException).code).toBe('ENOTDIR');
  });

  it('falls back to memory when a directory is in the way of the file', () => {
    const path = join(dir, 'heed.json');
    mkdirSync(path);
    const { calls, onFailure } = recorder();
    const store = fileStore(path, 'p_', onFailure);
    store.set('k', 'v');
    expect(store.get('k')).toBe('v');
    expect(calls).toHaveLength(1);
    expect((calls[0][1] as NodeJS.ErrnoException).code).toBe('EISDIR');
  });
});
