import { createConsent, createGate, type Consent } from '../../src/consent';
import { memoryStore } from '../../src/storage/memory';
import type { ConsentStatus } from '../../src/types';

function setup(options: { byDefault?: boolean; signal?: boolean } = {}) {
  const warnings: string[] = [];
  const gate = createGate((m) => warnings.push(m));
  const consent = createConsent({ flag: memoryStore('__mp_opt_in_out_'), key: 'tok', byDefault: () => !!options.byDefault, signal: () => !!options.signal, failed: () => false });
  const heard: Array<[ConsentStatus, string]> = [];
  gate.on((s, source) => void heard.push([s, source]));
  return { gate, consent, warnings, heard };
}

describe('the gate fails closed', () => {
  it('is pending before it has a decision machine, and refuses with callback 0', () => {
    const { gate, warnings } = setup();
    const results: unknown[] = [];
    expect(gate.status()).toBe('pending');
    expect(gate.admit('track("x")', (r) => results.push(r))).toBe(false);
    expect(results).toEqual([0]);
    expect(warnings).toEqual(['track("x") dropped: init() was not called']);
  });

  it('is pending when the decision machine throws', () => {
    const { gate } = setup();
    gate.use({ status: () => { throw new Error('storage'); } } as unknown as Consent);
    expect(gate.status()).toBe('pending');
    expect(gate.allowed()).toBe(false);
  });

  it('admits only while granted, and says why not', () => {
    const { gate, consent, warnings } = setup({ byDefault: true });
    gate.use(consent);
    expect(gate.admit('track("a")')).toBe(false);
    consent.set('1');
    expect(gate.admit('track("b")')).toBe(true);
    expect(warnings).toEqual(['track("a") dropped: consent is pending']);
  });
});

describe('a consent source hold', () => {
  it("'pending' keeps calls (at most 100), and a grant of a returning visitor replays them", () => {
    const { gate, consent } = setup();
    gate.use(consent);
    gate.hold('pending', false);
    expect(gate.waiting()).toBe(true);
    expect(gate.allowed()).toBe(false);
    const replayed: number[] = [];
    const refused: number[] = [];
    for (let i = 0; i < 101; i++) gate.wait(() => replayed.push(i), () => refused.push(i));
    expect(refused).toEqual([100]); // the 101st
    gate.decide(true, true);
    expect(replayed).toHaveLength(100);
    expect(gate.waiting()).toBe(false);
  });

  it('a first grant drops the kept calls unless the source asked to keep them; a refusal always drops them', () => {
    for (const [keep, granted, replays] of [[false, true, 0], [true, true, 1], [true, false, 0]] as const) {
      const { gate, consent } = setup();
      gate.use(consent);
      gate.hold('pending', keep);
      let n = 0;
      const results: unknown[] = [];
      gate.wait(() => n++, (r) => results.push(r));
      gate.decide(granted);
      expect([keep, granted, n, results.length]).toEqual([keep, granted, replays, 1 - replays]);
    }
  });

  it("calls kept over 30 s ago are not replayed; 'denied' holds for the page only", () => {
    const { gate, consent } = setup();
    gate.use(consent);
    const now = jest.spyOn(Date, 'now');
    now.mockReturnValue(1_700_000_000_000);
    gate.hold('pending', true);
    let n = 0;
    gate.wait(() => n++);
    now.mockReturnValue(1_700_000_000_000 + 30_001);
    gate.hold(undefined, undefined);
    now.mockRestore();
    expect(n).toBe(0);
    gate.hold('denied', undefined);
    expect(gate.status()).toBe('denied');
    expect(consent.decision()).toBeUndefined(); // nothing persisted
  });
});

describe('listeners', () => {
  it('hear each change of status once, with its source, and not the status at start', () => {
    const { gate, consent, heard } = setup({ byDefault: true });
    gate.use(consent);
    gate.emit('api');
    consent.set('1');
    gate.emit('api');
    gate.emit('api');
    gate.hold('denied', undefined);
    gate.emit('tcf');
    expect(heard).toEqual([['granted', 'api'], ['denied', 'tcf']]);
  });

  it('a listener that throws is reported and does not silence the others; unsubscribing works', () => {
    const { gate, consent, heard, warnings } = setup();
    gate.use(consent);
    const stop = gate.on(() => {
      throw new Error('app bug');
    });
    consent.set('0');
    gate.emit('api');
    stop();
    consent.set('1');
    gate.emit('api');
    expect(heard).toEqual([['denied', 'api'], ['granted', 'api']]);
    expect(warnings).toEqual(['onConsentChange listener threw: Error: app bug']);
  });
});
