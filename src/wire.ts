import type { Callback, Config, Heed, Properties, TrackedEvent } from './types';
import type { Platform } from './platform';
import type { StoreFailure } from './storage/types';
import { checkPurposeOptions, createConsent, createPurposes, type Decision, type Gate } from './consent';
import { createIdentity } from './identity';
import { identityCalls } from './identity/calls';
import { createOutbox, sentMarks } from './outbox';
import { encode, endpointUrl, keepsAlive, post, transportFor, type Endpoint, type TransportOptions } from './transport';
import { createPipeline } from './pipeline';
import { createDecisions } from './decisions';
import { createHooks } from './hooks';
import { membership, peopleApi } from './people';
import { buildUpdate } from './event';
import { trackPageviews } from './pageviews';
import { campaign, landing } from './attribution';
import { copyProps } from './properties';
import { noop } from './config';

/** The consent machine over the flag store (and where else a decision may be stored). */
function consentOf(platform: Platform, token: string, config: Config, report: StoreFailure, warn: (m: string) => void) {
  let failed = false;
  let signalled: boolean | undefined; // DNT and GPC do not change during a page's life: read once per configuration
  const flag = platform.store(config.opt_out_tracking_persistence_type, config.opt_out_tracking_cookie_prefix, config, (kind, e) => {
    failed = true;
    report(kind, e);
  });
  const consent = createConsent({
    flag,
    key: token,
    legacy: platform.legacyFlags && platform.legacyFlags(config, token, report),
    byDefault: () => config.opt_out_tracking_by_default,
    signal: () => (signalled === undefined ? (signalled = platform.signal(config)) : signalled),
    failed: () => failed,
  });
  checkPurposeOptions(config, warn);
  const purposes = createPurposes({ flag, key: token, consent, config });
  return { consent, purposes, resignal: () => (signalled = undefined) };
}

type Beacon = (endpoint: Endpoint, payloads: object[]) => boolean;

/** The outbox over the platform's batch store and a transport that follows the configuration. */
function outboxOf(platform: Platform, token: string, allowed: () => boolean, state: { transport: TransportOptions; auto: boolean }, beacon: Beacon | undefined, store: boolean, report: StoreFailure, warn: (m: string) => void) {
  return createOutbox({
    send: (endpoint, payloads, signal) => post(state.transport, endpoint, payloads, signal),
    beacon,
    store: store && platform.outbox ? platform.outbox(token, report) : undefined,
    online: platform.online,
    allowed,
    auto: () => state.auto,
    sent: store && platform.markStore ? sentMarks(platform.markStore(report), token) : undefined,
    lease: store && platform.lease ? platform.lease(token) : undefined,
    survives: (_endpoint, payloads) => keepsAlive(payloads, state.transport.format),
    warn,
  });
}

/** Everything `init` builds and connects: stores, consent, identity, hooks, outbox and the pipeline over them. */
export function wire(platform: Platform, token: string, config: Config, gate: Gate, warn: (m: string) => void) {
  const report: StoreFailure = (kind, error) => warn(`${kind} unavailable, using memory: ${String(error)}`);
  const { consent, purposes, resignal } = consentOf(platform, token, config, report, warn);
  gate.use(consent, purposes);
  const keep = !config.disable_persistence && !config.disable_cookie;
  const name = config.persistence_name || config.cookie_name;
  // mixpanel-browser's default is the cookie: a profile there moves into localStorage, as it does.
  const legacy = keep && config.persistence === 'localStorage' ? platform.store('cookie', 'mp_', config, report) : undefined;
  const identity = createIdentity(platform.store(keep ? config.persistence : 'memory', 'mp_', config, report), gate.allowed, name || token + '_mixpanel', legacy);
  const hooks = createHooks(warn);
  hooks.use(config.hooks);
  const state = { transport: transportFor(config), auto: config.batch_autostart, batching: true, disabled: [] as string[] | true };
  // One beacon for the outbox (as the page goes away) and for a call's `transport: 'sendBeacon'`.
  const toBrowser = platform.beacon;
  const beacon: Beacon | undefined = toBrowser && ((endpoint, payloads) => toBrowser(endpointUrl(state.transport, endpoint), encode(payloads, state.transport.format)));
  const server = platform.server && platform.server(config, identity, warn);
  // Node: nothing leaves before the suppression list is read (server/stages.ts).
  const outbox = outboxOf(platform, token, server ? () => gate.allowed() && server.loaded() : gate.allowed, state, beacon, keep, report, warn);
  if (server) server.attach(outbox);
  let clock: ReturnType<typeof setInterval> | undefined;
  const configure = () => {
    resignal();
    checkPurposeOptions(config, warn);
    // consent_max_age_days: once a minute, listeners hear of a grant that came of age (source 'expiry').
    clearInterval(clock);
    if (config.consent_max_age_days) ((clock = setInterval(() => gate.emit('expiry'), 6e4)) as { unref?: () => void }).unref?.();
    state.transport = transportFor(config);
    outbox.configure(config.batch_size, config.batch_flush_interval_ms, config.max_queued_events, config.batch_request_timeout_ms);
  };
  configure();
  const disabled = (event: string) => state.disabled === true || state.disabled.indexOf(event) >= 0;
  const pipeline = createPipeline({ token, config, gate, identity, outbox, hooks, platform, disabled, beacon: (endpoint, item) => !!beacon && beacon(endpoint, [item]), batching: () => state.batching, server, warn });
  const people = peopleApi(identity.target, pipeline.update, warn);
  const calls = identityCalls({ identity, hooks, track: pipeline.track, setOnce: (p) => people.set_once(p), warn });
  let announce: (data: unknown) => void = noop;
  const decisions = createDecisions({
    consent, purposes, config, gate, identity, outbox, purge: platform.purge, track: pipeline.track, warn,
    announce: (d) => announce({ d }),
    deleteProfile: () =>
      void post(state.transport, 'engage', [buildUpdate(token, identity.target(), '$delete', identity.profile.distinct_id)]).catch((e: Error) => warn('profile deletion failed: ' + e.message)),
  });
  // Once allowed again: batches an earlier page left (less what serves a denied purpose), and what a closed gate held back.
  const restore = () => outbox.restore().then(decisions.sweep);
  gate.on((status) => void (status === 'granted' && restore().then(outbox.start, noop)));
  if (identity.load() && consent.decision() === '0') decisions.forget(true, 'api'); // a leftover from before an opt-out
  if (platform.lifecycle) {
    const send = () => void (gate.allowed() && outbox.flush().catch(noop));
    platform.lifecycle({ hidden: send, online: send, hide: () => outbox.beacon() });
  }
  if (platform.channel) {
    announce = platform.channel('heed:' + token, (data) => {
      const d = (data as { d?: Decision | null } | null)?.d;
      decisions.adopt(d === '1' || d === '0' ? d : undefined);
    });
  }
  if (gate.allowed()) restore().catch(noop);
  const groups = membership(identity, people, warn);
  return { token, config, gate, warn, consent, identity, outbox, pipeline, decisions, groups, calls, hooks, server, state, configure, signal: () => platform.signal(config) };
}

export type Core = ReturnType<typeof wire>;


/** `track_pageview(props, options)`: the page and its campaign, then the caller's properties. */
export function pageview(core: Core, platform: Platform, props?: unknown, options?: unknown): TrackedEvent | undefined {
  const url = String(platform.page().$current_url || '');
  const event = (options && typeof options === 'object' && (options as { event_name?: unknown }).event_name) || '$mp_web_page_view';
  const p: Properties = { ...platform.pageview(), ...campaign(url) };
  return core.pipeline.track(String(event), copyProps(props, 0, undefined, p), typeof options === 'function' ? (options as Callback) : undefined);
}

/** What starts with the page once the instance exists: the landing page's attribution, page views, then `loaded`. */
export function start(core: Core, platform: Platform, config: Config, instance: Heed) {
  const url = String(platform.page().$current_url || '');
  if (url) landing(core.identity, config, url, String(platform.context().$referrer || ''));
  trackPageviews(config.track_pageview, {
    track: () => pageview(core, platform),
    url: () => String(platform.page().$current_url || ''),
    onUrlChange: platform.onUrlChange,
    onGrant: (listener) => void core.gate.on((status) => status === 'granted' && listener()),
  });
  if (typeof config.loaded === 'function') {
    try {
      config.loaded(instance);
    } catch (e) {
      core.warn('loaded() threw: ' + String(e));
    }
  }
}
