import type { SuppressionStore } from './suppression';

/** The part of a node-redis (`redis` package, v4 or v5) client this store uses. */
export interface RedisLike {
  readonly isOpen: boolean;
  connect(): Promise<unknown>;
  duplicate(): RedisLike;
  sAdd(key: string, members: string[]): Promise<unknown>;
  sRem(key: string, members: string[]): Promise<unknown>;
  sMembers(key: string): Promise<string[]>;
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  on(event: 'ready', listener: () => void): unknown;
  quit?(): Promise<unknown>;
  destroy?(): unknown;
  disconnect?(): Promise<unknown>;
  close?(): Promise<unknown>;
}

export interface RedisSuppressionOptions {
  /** `redis://host:port`; heed then creates the client with the `redis` package. */
  url?: string;
  /** Or a node-redis client of the app's (heed connects it if it is not open yet). */
  client?: RedisLike;
  /**
   * The Redis set holding the ids; changes are published on the channel of the same name.
   * @default 'heed:suppressed'
   */
  key?: string;
}

type Change = { a?: string[]; r?: string[] };

/** Connect `c`; if that fails, stop it when it is heed's (node-redis would keep reconnecting) and throw. */
async function started(c: RedisLike, own: boolean): Promise<void> {
  try {
    await c.connect();
  } catch (error) {
    if (own) try {
      c.destroy ? c.destroy() : c.disconnect && (await c.disconnect());
    } catch {
      // already stopped
    }
    throw error;
  }
}

/**
 * A suppression list in Redis, for many processes and machines: the ids are a Redis set, and
 * every change is published on a channel, so each process keeps a local copy that a check reads
 * without a round trip. A suppression in one process counts in the others as soon as the message
 * arrives (a millisecond or so on a LAN); a subscriber that lost its connection reads the whole
 * set again when it is back, so a change published meanwhile is not missed for longer than that.
 * @example init(token, { suppression_store: redisSuppressions({ url: process.env.REDIS_URL }) })
 */
export function redisSuppressions(options: RedisSuppressionOptions = {}): SuppressionStore {
  const key = options.key ?? 'heed:suppressed';
  let client: RedisLike | undefined;
  let subscriber: RedisLike | undefined;
  const own = !options.client;
  const connect = async (): Promise<RedisLike> => {
    if (client) return client;
    let c = options.client;
    if (!c) {
      const redis = (await import('redis')) as unknown as { createClient(o: { url?: string }): RedisLike };
      c = redis.createClient({ url: options.url });
    }
    if (!c.isOpen) await started(c, own);
    return (client = c);
  };
  const change = async (message: Change) => {
    const c = await connect();
    await c.publish(key, JSON.stringify(message));
  };
  return {
    async open(changed) {
      const c = await connect();
      let known = new Set(await c.sMembers(key));
      const sub = c.duplicate();
      // Back after a lost connection: what changed meanwhile, from the set itself.
      sub.on('ready', async () => {
        const now = new Set(await c.sMembers(key));
        changed([...now].filter((id) => !known.has(id)), [...known].filter((id) => !now.has(id)));
        known = now;
      });
      await started(sub, true);
      subscriber = sub;
      await sub.subscribe(key, (message) => {
        const { a = [], r = [] } = JSON.parse(message) as Change;
        a.forEach((id) => known.add(id));
        r.forEach((id) => known.delete(id));
        changed(a, r);
      });
      return [...known];
    },
    async add(ids) {
      if (!ids.length) return;
      await (await connect()).sAdd(key, [...ids]);
      await change({ a: [...ids] });
    },
    async remove(ids) {
      if (!ids.length) return;
      await (await connect()).sRem(key, [...ids]);
      await change({ r: [...ids] });
    },
    list: async () => (await connect()).sMembers(key),
    async close() {
      const end = (c?: RedisLike) => c && c.isOpen && (c.close ? c.close() : c.quit && c.quit());
      await Promise.all([end(subscriber), own ? end(client) : undefined]);
    },
  };
}
