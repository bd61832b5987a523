/**
 * The script-tag stub, built to dist/heed-snippet.min.js and pasted into pages. It defines
 * `window.heed` at once, records every call in ONE ordered queue (people.*, consent.*, get_group()
 * chains and named instances included) and loads the bundle, which replays the queue in the order the calls
 * were made: an `opt_out_tracking()` queued before `identify()` takes effect first.
 * Getters called before the bundle arrives return undefined. Set `window.HEED_LIB_URL` to self-host.
 */
type Call = [instance: string, method: string, args: unknown[], groupMethod?: string, groupArgs?: unknown[]];
type Stub = Record<string, unknown> & { _q: Call[] };

interface SnippetWindow {
  heed?: Stub;
  HEED_LIB_URL?: string;
}

((w: SnippetWindow, d: Document) => {
  if (w.heed) return; // included twice, or the bundle is already here
  const q: Call[] = [];
  const names = (s: string) => s.split(' ');
  const make = (instance: string): Stub => {
    const stub = { _q: q } as Stub;
    for (const m of names(
      'init track track_pageview track_with_groups track_links track_forms identify alias reset register register_once unregister name_tag time_event disable enable set_config get_config get_api_host get_distinct_id get_property set_group add_group remove_group add_hook remove_hook start_batch_senders stop_batch_senders opt_in_tracking opt_out_tracking has_opted_in_tracking has_opted_out_tracking clear_opt_in_out_tracking start_session_recording stop_session_recording flush onConsentChange',
    )) {
      stub[m] = function (...args: unknown[]) {
        q.push([instance, m, args]);
        if (m === 'init' && args[2]) stub[args[2] as string] = make(args[2] as string);
      };
    }
    // Sub-objects whose calls queue as [instance, 'people' | 'consent', args, method].
    for (const [sub, list] of [['people', 'set set_once unset increment append union remove track_charge clear_charges delete_user'], ['consent', 'status hold own grant deny purposes records']]) {
      const o: Record<string, unknown> = (stub[sub] = {});
      for (const m of names(list)) o[m] = (...args: unknown[]) => void q.push([instance, sub, args, m]);
    }
    stub.get_group = (...key: unknown[]) => {
      const group: Record<string, unknown> = {};
      for (const m of names('set set_once union unset remove delete')) {
        group[m] = (...args: unknown[]) => q.push([instance, 'get_group', key, m, args]);
      }
      return group;
    };
    return stub;
  };
  w.heed = make('');
  const s = d.createElement('script');
  s.async = true;
  s.src = w.HEED_LIB_URL || 'https://cdn.jsdelivr.net/npm/heed/dist/heed.iife.min.js';
  d.head.appendChild(s);
})(window as unknown as SnippetWindow, document);
