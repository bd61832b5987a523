// file.ts is deliberately not re-exported: it imports node:fs and is reached only from the Node
// entry (`import { fileStore } from '../storage/file'`), so browser bundles never see it.
export type { AsyncStore, Store, StoreFailure, StoreKind } from './types';
export { asyncMemoryStore, memoryStore } from './memory';
export { webStorage } from './web-storage';
export { cookieStore, type CookieOptions } from './cookie';
export { dropDatabaseIfEmpty, idbStore, type IdbNames } from './indexeddb';
export { withAsyncFallback, withFallback } from './fallback';
