import type { Endpoint } from '../transport';

/** What the outbox calls back per item: `1` once acknowledged, `0` with why when it is given up. */
export type Done = (result: 0 | 1, error?: string) => void;

/** A persisted batch: its endpoint and payloads. One key per batch, never one per event. */
export interface StoredBatch {
  e: Endpoint;
  p: object[];
}

/** A batch in memory: its persisted key, payloads, their callbacks, and the send in flight. */
export interface Batch extends StoredBatch {
  id: string;
  cbs: Array<Done | undefined>;
  sending?: Promise<void>;
}

export const ENDPOINTS: Endpoint[] = ['track', 'engage', 'groups'];

/** True for what a store may hold under one of our keys: anything else is removed, never sent. */
export const isStoredBatch = (v: unknown): v is StoredBatch =>
  !!v && ENDPOINTS.indexOf((v as StoredBatch).e) >= 0 && Array.isArray((v as StoredBatch).p) && (v as StoredBatch).p.length > 0;

/** Call back the app. Its callback throwing is its own bug: it must not stop the others or the outbox. */
export function settle(cbs: Array<Done | undefined>, result: 0 | 1, warn: (m: string) => void, error?: string): void {
  for (const cb of cbs) {
    try {
      if (cb) cb(result, error);
    } catch (e) {
      warn('a callback threw: ' + String(e));
    }
  }
}
