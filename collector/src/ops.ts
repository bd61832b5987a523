import type { Json, ProfileOp, Props } from './validate.js';

/**
 * Apply one profile (or group) operation with Mixpanel's semantics (wire reference §2.5):
 * returns the new properties, or `undefined` when the profile is absent afterwards (`$delete`,
 * or `$unset`/`$remove` on a profile that does not exist: those never create one).
 *
 * Choices where Mixpanel's docs are silent:
 * - `$add` on a property that is not a number treats it as 0 (as for a missing one);
 * - `$append`/`$union` on a property that is not a list start a new list;
 * - `$remove` removes every element equal to the value, and leaves non-list properties alone;
 * - values compare by their JSON text (objects with the same keys in another order differ).
 */
export function applyOperation(current: Props | undefined, op: ProfileOp, operand: Json): Props | undefined {
  if (op === '$delete') return undefined;
  if (current === undefined && (op === '$unset' || op === '$remove')) return undefined;
  const next: Props = { ...current };
  if (op === '$unset') {
    for (const key of operand as string[]) delete next[key];
    return next;
  }
  for (const [key, value] of Object.entries(operand as Props)) {
    const had = Object.prototype.hasOwnProperty.call(next, key);
    const old = had ? next[key] : undefined;
    switch (op) {
      case '$set':
        put(next, key, value);
        break;
      case '$set_once':
        if (!had) put(next, key, value);
        break;
      case '$add':
        put(next, key, (typeof old === 'number' ? old : 0) + (value as number));
        break;
      case '$append':
        put(next, key, Array.isArray(old) ? [...old, value] : [value]);
        break;
      case '$union': {
        const list = Array.isArray(old) ? [...old] : [];
        const seen = new Set(list.map((v) => JSON.stringify(v)));
        for (const v of value as Json[]) {
          const k = JSON.stringify(v);
          if (!seen.has(k)) {
            seen.add(k);
            list.push(v);
          }
        }
        put(next, key, list);
        break;
      }
      case '$remove':
        if (Array.isArray(old)) {
          const drop = JSON.stringify(value);
          put(next, key, old.filter((v) => JSON.stringify(v) !== drop));
        }
        break;
    }
  }
  return next;
}

/**
 * Plain assignment would treat a property named `__proto__` (legal in JSON) as the prototype
 * setter and silently drop it; define it as an own property instead.
 */
function put(target: Props, key: string, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
