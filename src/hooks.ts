import type { Config, HookFunction, HookName } from './types';

type Hook = (...args: unknown[]) => unknown;

/**
 * mixpanel-browser's `before_*` hooks: the ones `config.hooks` names (reloaded when
 * `set_config({ hooks })` replaces them) plus those `add_hook` adds. Each gets the call's arguments
 * and returns the new first argument or a list of new leading ones; `null`, `undefined` or a throw
 * drops the call: an event is never sent unscrubbed.
 */
export function createHooks(warn: (message: string) => void) {
  let hooks: Partial<Record<HookName, Hook[]>> = {};
  let count = 0; // kept, not counted: track() asks on every call
  return {
    /** True when any hook is set: the send path skips the hooks stage otherwise. */
    any: () => count > 0,
    /** Take the hooks of a configuration (a function or a list per name). */
    use(config: Config['hooks']) {
      hooks = {};
      count = 0;
      for (const name in config) {
        const given = config[name as HookName];
        const list = (Array.isArray(given) ? given : [given]).filter((h): h is HookFunction => typeof h === 'function');
        if (list.length) (hooks[name as HookName] = list as Hook[]), (count += list.length);
      }
    },
    add(name: HookName, hook: HookFunction) {
      if (typeof hook === 'function') (hooks[name] = hooks[name] || []).push(hook as Hook), count++;
    },
    remove(name: HookName, hook: HookFunction) {
      const list = hooks[name] || [];
      const i = list.indexOf(hook as Hook);
      if (i >= 0) list.splice(i, 1), count--;
    },
    /** The arguments after every hook of `name`, or `null` when one dropped the call. */
    run(name: HookName, ...args: unknown[]): unknown[] | null {
      for (const hook of hooks[name] || []) {
        let result: unknown;
        try {
          result = hook(...args);
        } catch (e) {
          warn(`${name} hook threw (${String(e)}): the call is dropped`);
          return null;
        }
        if (result === null || result === undefined) return warn(`${name} hook dropped the call`), null;
        const lead = Array.isArray(result) ? result : [result];
        args = lead.concat(args.slice(lead.length));
      }
      return args;
    },
  };
}

export type Hooks = ReturnType<typeof createHooks>;
