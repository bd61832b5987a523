import type { Callback, Config, Properties, TrackOptions } from './types';
import type { Gate } from './consent';
import type { Identity } from './identity';
import type { Outbox } from './outbox';
import type { Platform } from './platform';
import type { Update } from './people';
import { insertIds } from './identity';
import { baseProperties, buildEvent, buildUpdate } from './event';
import { beforeSend } from './hooks';
import { copyProps } from './properties';

export interface PipelineParts {
  token: string;
  config: Config;
  gate: Gate;
  identity: Identity;
  outbox: Outbox;
  platform: Pick<Platform, 'context' | 'page'>;
  warn(message: string): void;
}

/**
 * Every item heed sends goes one way, top to bottom:
 *   gate (allowed now, or kept while a CMP loads) -> build (one Mixpanel payload) ->
 *   beforeSend (the hooks stage) -> outbox (queued, persisted, sent).
 */
export function createPipeline({ token, config, gate, identity, outbox, platform, warn }: PipelineParts) {
  const context = platform.context();
  const nextInsertId = insertIds();
  let base: Properties | undefined;
  let version = -1;
  let page: Properties | undefined;

  /** What every event shares, rebuilt only when the identity, its super properties or the page changed. */
  const shared = (): Properties => {
    const now = platform.page();
    if (!base || version !== identity.version || page !== now) {
      base = baseProperties(token, context, now, identity.profile, identity.session);
      version = identity.version;
      page = now;
    }
    return base;
  };

  function track(event: string, props?: unknown, optionsOrCallback?: TrackOptions | Callback, cb?: Callback): void {
    const callback = typeof optionsOrCallback === 'function' ? optionsOrCallback : cb;
    if (typeof event !== 'string' || !event) {
      warn('track: the event name must be a non-empty string');
      if (typeof callback === 'function') callback(0);
      return;
    }
    if (gate.waiting()) {
      // A consent source waits for its CMP: the call waits in memory, with the time and page it was made on.
      const kept = { ...platform.page(), time: Date.now(), ...copyProps(props) };
      return gate.wait(() => track(event, kept, optionsOrCallback, cb), callback);
    }
    if (!gate.admit(`track("${event}")`, callback)) return;
    const options = typeof optionsOrCallback === 'object' && optionsOrCallback ? optionsOrCallback : undefined;
    const item = beforeSend(
      'events',
      buildEvent(shared(), event, props, { time: Date.now(), insertId: nextInsertId(), duration: identity.duration(event), blacklist: config.property_blacklist }),
    );
    if (item) outbox.add('track', item, typeof callback === 'function' ? callback : undefined, !!(options && options.send_immediately));
  }

  const update: Update = (endpoint, target, op, value, callback) => {
    if (!gate.admit(`${endpoint} ${op}`, callback)) return;
    const item = beforeSend(endpoint === 'engage' ? 'people' : 'groups', buildUpdate(token, target, op, value));
    if (item) outbox.add(endpoint, item, typeof callback === 'function' ? callback : undefined);
  };

  return { track, update };
}
