// Type tests (tsd-style): compiled by `npm run typecheck`; each @ts-expect-error must be an error.
import heed, { createHeed, type Heed, type ConsentStatus } from '../../src/entry/browser';

type Events = {
  'Signed Up': { plan: 'free' | 'pro'; referrer?: string };
  'Page Viewed': {};
};

const typed = createHeed<Events>();
typed.track('Signed Up', { plan: 'pro' });
typed.track('Signed Up', { plan: 'free', referrer: 'ad' }, () => undefined);
typed.track('Page Viewed');
// @ts-expect-error: 'gold' is not a plan
typed.track('Signed Up', { plan: 'gold' });
// @ts-expect-error: plan is required
typed.track('Signed Up', {});
// @ts-expect-error: properties are required for this event
typed.track('Signed Up');
// @ts-expect-error: unknown event name
typed.track('Signed Out');
// @ts-expect-error: time_event only knows the map's events
typed.time_event('Nope');

const sub: Heed<Events> = typed.init('token', { api_host: 'eu', batch_size: 10 }, 'other');
sub.track('Page Viewed', {}, { send_immediately: true });

// The untyped default instance accepts any event and JSON-like properties.
heed.track('anything', { n: 1, s: 'x', list: [1, 'a'], nested: { a: null }, when: new Date() });
heed.track('cb', {}, (result: 0 | 1) => void result);
// @ts-expect-error: functions are not property values
heed.track('bad', { f: () => 1 });
// @ts-expect-error: unknown config key
heed.init('t', { api_hots: 'x' });
// @ts-expect-error: persistence is an enum
heed.set_config({ persistence: 'sessionStorage' });

const s: ConsentStatus = heed.consent.status();
const batch: number = heed.get_config('batch_size');
const off: () => void = heed.onConsentChange((status: ConsentStatus, source: string) => void [status, source]);
heed.opt_in_tracking({ track_event_name: 'consent', track_properties: { via: 'banner' } });
heed.opt_out_tracking({ delete_user: false, clear_persistence: true });
heed.people.set({ plan: 'pro' });
heed.people.set('plan', 'pro', (r) => void r);
heed.people.increment('logins');
heed.get_group('company', 'acme').set('name', 'Acme');
const flushed: Promise<void> = heed.flush();
void [s, batch, off, flushed];
