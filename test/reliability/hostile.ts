import fc from 'fast-check';

/**
 * Hostile arguments as plain descriptions: fast-check generates, prints and shrinks these, and
 * `make` builds the real value (a Proxy whose traps throw cannot be printed, and a cycle cannot be
 * shrunk). `show` prints a description as the JavaScript that builds it, for a reproduction.
 */
export type Spec =
  | ['s', string]
  | ['rep', string, number] // `unit.repeat(n)`: huge strings, long names
  | ['cat', Spec[]] // strings joined: an astral character at the 255 boundary
  | ['n', number]
  | ['big', string]
  | ['b', boolean]
  | ['null']
  | ['undef']
  | ['none'] // not passed at all (trailing arguments only)
  | ['sym']
  | ['fn', Behaviour]
  | ['date', number]
  | ['obj', Array<[Spec, Spec]>]
  | ['bare', Array<[Spec, Spec]>] // Object.create(null): no toString, no valueOf
  | ['arr', Spec[]]
  | ['wide', number, 'obj' | 'arr'] // 300 keys, 300 items
  | ['deep', number, 'obj' | 'arr']
  | ['cycle']
  | ['proxy', 'throws' | 'revoked']
  | ['getter'] // an object whose one getter throws
  | ['server']; // the test server's URL (api_host)

/** What a generated function does when heed calls it. */
export type Behaviour = 'noop' | 'throws' | 'identity' | 'null' | 'hostile';

/** The 17 distinct_ids Mixpanel refuses (wire reference §2.4). */
export const DISALLOWED_IDS = [
  '00000000-0000-0000-0000-000000000000', 'anon', 'anonymous', 'nil', 'none', 'null', 'n/a', 'na',
  'undefined', 'unknown', '<nil>', '0', '-1', 'true', 'false', '[]', '{}',
];

const throwing = (): never => {
  throw new Error('hostile: trap');
};
const TRAPS: ProxyHandler<object> = {
  get: throwing, set: throwing, has: throwing, ownKeys: throwing, getOwnPropertyDescriptor: throwing,
  getPrototypeOf: throwing, setPrototypeOf: throwing, defineProperty: throwing, deleteProperty: throwing,
  isExtensible: throwing, preventExtensions: throwing, apply: throwing, construct: throwing,
};

export interface MakeContext {
  server: string;
}

/** The value a description stands for: a new one each call. */
export function make(spec: Spec, ctx: MakeContext): unknown {
  switch (spec[0]) {
    case 's': return spec[1];
    case 'rep': return spec[1].repeat(spec[2]);
    case 'cat': return spec[1].map((part) => String(make(part, ctx))).join('');
    case 'n': return spec[1];
    case 'big': return BigInt(spec[1]);
    case 'b': return spec[1];
    case 'null': return null;
    case 'undef': case 'none': return undefined;
    case 'sym': return Symbol('hostile');
    case 'fn': return behaviour(spec[1], ctx);
    case 'date': return new Date(spec[1]);
    case 'obj': return entries(spec[1], ctx, {});
    case 'bare': return entries(spec[1], ctx, Object.create(null) as Record<string, unknown>);
    case 'arr': return spec[1].map((item) => make(item, ctx));
    case 'wide': return spec[2] === 'arr' ? Array.from({ length: spec[1] }, (_, i) => i) : Object.fromEntries(Array.from({ length: spec[1] }, (_, i) => [`k${i}`, i]));
    case 'deep': {
      let value: unknown = 'bottom';
      for (let i = 0; i < spec[1]; i++) value = spec[2] === 'arr' ? [value] : { d: value };
      return value;
    }
    case 'cycle': {
      const o: Record<string, unknown> = { a: 1, list: [] };
      o.self = o;
      (o.list as unknown[]).push(o);
      return o;
    }
    case 'proxy': {
      if (spec[1] === 'throws') return new Proxy({}, TRAPS);
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    }
    case 'getter':
      return Object.defineProperty({ ok: 1 }, 'bad', { enumerable: true, get: throwing });
    case 'server': return ctx.server;
  }
}

function entries(list: Array<[Spec, Spec]>, ctx: MakeContext, into: Record<string, unknown>): Record<string, unknown> {
  // defineProperty, not assignment: a '__proto__' key is an own property, as JSON.parse makes it.
  for (const [key, value] of list) {
    let name: string;
    try {
      name = String(make(key, ctx)); // a trap as a key throws here, in the test's own code: no such key
    } catch {
      continue;
    }
    Object.defineProperty(into, name, { value: make(value, ctx), enumerable: true, writable: true, configurable: true });
  }
  return into;
}

function behaviour(b: Behaviour, ctx: MakeContext): (...args: unknown[]) => unknown {
  switch (b) {
    case 'noop': return () => undefined;
    case 'throws': return throwing;
    case 'identity': return (first: unknown) => first;
    case 'null': return () => null;
    case 'hostile': return () => make(['proxy', 'throws'], ctx);
  }
}

/** `spec` as the JavaScript that builds it. */
export function show(spec: Spec): string {
  const q = (s: string) => JSON.stringify(s);
  switch (spec[0]) {
    case 's': return q(spec[1]);
    case 'rep': return `${q(spec[1])}.repeat(${spec[2]})`;
    case 'cat': return spec[1].map(show).join(' + ');
    case 'n': return Object.is(spec[1], -0) ? '-0' : String(spec[1]);
    case 'big': return `${spec[1]}n`;
    case 'b': return String(spec[1]);
    case 'null': return 'null';
    case 'undef': case 'none': return 'undefined';
    case 'sym': return "Symbol('hostile')";
    case 'fn': return { noop: '() => {}', throws: '() => { throw new Error() }', identity: '(x) => x', null: '() => null', hostile: '() => throwingProxy' }[spec[1]];
    case 'date': return `new Date(${spec[1]})`;
    case 'obj': return `{ ${spec[1].map(([k, v]) => `[${show(k)}]: ${show(v)}`).join(', ')} }`;
    case 'bare': return `Object.assign(Object.create(null), { ${spec[1].map(([k, v]) => `[${show(k)}]: ${show(v)}`).join(', ')} })`;
    case 'arr': return `[${spec[1].map(show).join(', ')}]`;
    case 'wide': return spec[2] === 'arr' ? `Array.from({ length: ${spec[1]} }, (_, i) => i)` : `Object.fromEntries(Array.from({ length: ${spec[1]} }, (_, i) => ['k' + i, i]))`;
    case 'deep': return `/* ${spec[1]} levels of */ ${spec[2] === 'arr' ? '[[...]]' : '{ d: { d: ... } }'}`;
    case 'cycle': return '(o = { a: 1, list: [] }, o.self = o, o.list.push(o), o)';
    case 'proxy': return spec[1] === 'throws' ? 'new Proxy({}, { get() { throw new Error() }, ownKeys() { throw new Error() }, ... })' : '(r = Proxy.revocable({}, {}), r.revoke(), r.proxy)';
    case 'getter': return "Object.defineProperty({ ok: 1 }, 'bad', { enumerable: true, get() { throw new Error() } })";
    case 'server': return 'SERVER_URL';
  }
}

/** A call as JavaScript: `heed.track("x", {...})`, trailing `none`s left out. */
export function showCall(path: string, args: Spec[]): string {
  return `heed.${path}(${trimmed(args).map(show).join(', ')})`;
}

/** The arguments actually passed: trailing `['none']` ones are not. */
export function trimmed(args: Spec[]): Spec[] {
  let n = args.length;
  while (n > 0 && args[n - 1]![0] === 'none') n--;
  return args.slice(0, n);
}

// ---- arbitraries -------------------------------------------------------------------------------

const s = (v: string): Spec => ['s', v];
export const none: fc.Arbitrary<Spec> = fc.constant(['none']);

/** Strings that break naive code: reserved names, disallowed ids, odd Unicode, boundaries, huge. */
export const oddStringArb: fc.Arbitrary<Spec> = fc.oneof(
  fc.constantFrom(
    '', ' ', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '$device:abc',
    '$insert_id', 'time', 'distinct_id', 'token', '$token', '$distinct_id', '$group_key', '$group_id', '$set',
    '$user_id', '$device_id', 'mp_lib', '\ud83d', '\udc00', 'a\ud83db', '😀', '\u0000', '\n\r', 'e\u0301', '%E0%A4%A',
    '<script>', '1e21', 'NaN', 'not valid!', 'yesterday', ...DISALLOWED_IDS, ' NULL ',
  ).map(s),
  fc.constantFrom<Spec>(
    ['cat', [['rep', 'a', 254], s('😀')]],
    ['cat', [['rep', 'a', 255], s('😀')]],
    ['cat', [['rep', 'a', 253], s('😀😀')]],
    ['cat', [['rep', 'a', 254], s('\ud83d')]],
    ['rep', '😀', 300],
    ['rep', 'k', 255],
    ['rep', 'k', 256],
    ['rep', 'x', 100_000],
  ),
);

export const stringArb: fc.Arbitrary<Spec> = fc.oneof(
  { weight: 3, arbitrary: oddStringArb },
  { weight: 2, arbitrary: fc.string({ maxLength: 16 }).map(s) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }).map(s) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }).map(s) },
);

export const numberArb: fc.Arbitrary<Spec> = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, -1, 1, 1.5, 1e21, 2 ** 53, Number.MAX_VALUE, Number.MIN_VALUE),
  fc.double(),
  fc.integer(),
).map((n): Spec => ['n', n]);

const scalarArb: fc.Arbitrary<Spec> = fc.oneof(
  { weight: 6, arbitrary: stringArb },
  { weight: 3, arbitrary: numberArb },
  { weight: 1, arbitrary: fc.bigInt().map((v): Spec => ['big', String(v)]) },
  { weight: 1, arbitrary: fc.boolean().map((v): Spec => ['b', v]) },
  { weight: 1, arbitrary: fc.constantFrom<Spec>(['null'], ['undef'], ['sym'], ['fn', 'noop']) },
  { weight: 1, arbitrary: fc.constantFrom(0, NaN, 1_700_000_000_000, 8.64e15).map((t): Spec => ['date', t]) },
);

/** Values that are hostile as a whole: a throwing Proxy, a revoked one, a throwing getter, a cycle, sizes past the limits. */
export const trapArb: fc.Arbitrary<Spec> = fc.oneof(
  fc.constantFrom<Spec>(['proxy', 'throws'], ['proxy', 'revoked'], ['getter'], ['cycle'], ['bare', []]),
  fc.constantFrom<Spec>(['wide', 300, 'obj'], ['wide', 300, 'arr'], ['wide', 255, 'obj'], ['wide', 254, 'obj'], ['wide', 255, 'arr']),
  fc.integer({ min: 3, max: 40 }).chain((d) => fc.constantFrom<Spec>(['deep', d, 'obj'], ['deep', d, 'arr'])),
);

export const keyArb: fc.Arbitrary<Spec> = fc.oneof({ weight: 3, arbitrary: stringArb }, { weight: 1, arbitrary: fc.constantFrom('plan', 'n', 'tags', '$email').map(s) });

const { value: valueArb } = fc.letrec<{ value: Spec }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 8, arbitrary: scalarArb },
    { weight: 2, arbitrary: trapArb },
    { weight: 2, arbitrary: fc.array(fc.tuple(keyArb, tie('value')), { maxLength: 4 }).map((e): Spec => ['obj', e]) },
    { weight: 1, arbitrary: fc.array(fc.tuple(keyArb, tie('value')), { maxLength: 3 }).map((e): Spec => ['bare', e]) },
    { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 4 }).map((items): Spec => ['arr', items]) },
  ),
}));
export { valueArb };

/** What a property object argument may be: mostly objects, sometimes anything at all. */
export const propsArb: fc.Arbitrary<Spec> = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.tuple(keyArb, valueArb), { maxLength: 6 }).map((e): Spec => ['obj', e]) },
  { weight: 1, arbitrary: fc.array(fc.tuple(keyArb, valueArb), { maxLength: 4 }).map((e): Spec => ['bare', e]) },
  { weight: 2, arbitrary: trapArb },
  { weight: 1, arbitrary: scalarArb },
);

/** What an id argument may be: disallowed values, numbers, odd strings, objects, traps. */
export const idArb: fc.Arbitrary<Spec> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...DISALLOWED_IDS, ' NULL ', 'Undefined').map(s) },
  { weight: 3, arbitrary: stringArb },
  { weight: 2, arbitrary: numberArb },
  { weight: 2, arbitrary: valueArb },
);

/** A callback: heed calls it with 0 or 1. */
export const callbackArb: fc.Arbitrary<Spec> = fc.oneof({ weight: 3, arbitrary: none }, { weight: 2, arbitrary: fc.constant<Spec>(['fn', 'noop']) }, { weight: 1, arbitrary: scalarArb });

/** A function the app hands heed to run later (hooks, listeners): it may throw or return junk. */
export const functionArb: fc.Arbitrary<Spec> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<Behaviour>('noop', 'throws', 'identity', 'null', 'hostile').map((b): Spec => ['fn', b]) },
  { weight: 1, arbitrary: valueArb },
);

/** Something, or nothing. */
export const maybe = (arb: fc.Arbitrary<Spec>): fc.Arbitrary<Spec> => fc.oneof({ weight: 1, arbitrary: none }, { weight: 3, arbitrary: arb });

/** An object of `fields` (each sometimes left out), or anything at all. */
export function recordArb(fields: Record<string, fc.Arbitrary<Spec>>): fc.Arbitrary<Spec> {
  const keys = Object.keys(fields);
  return fc.oneof(
    {
      weight: 5,
      arbitrary: fc.subarray(keys).chain((chosen) =>
        fc.tuple(...chosen.map((k) => fields[k]!)).map((values): Spec => ['obj', chosen.map((k, i) => [s(k), values[i]!])]),
      ),
    },
    { weight: 1, arbitrary: valueArb },
  );
}
