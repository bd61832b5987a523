// The server side of data-subject requests (the `heed/privacy` entry). The browser helpers live
// in ./browser and are exported by the browser entry only.
export { createPrivacyClient, DEFAULT_LIMITS, REGIONS } from './client';
export type { CallOptions, DeletionRequest, ExportRequest, PrivacyClient, PrivacyClientOptions, WaitOptions } from './client';
export type { RetryOptions } from './request';
export { createPrivacyHandler } from './handler';
export type { PrivacyHandlerOptions } from './handler';
export type { Suppressor } from '../server/default';
export { toNodeHandler } from './node';
export type { NodeHandlerOptions } from './node';
export {
  PrivacyError,
  PrivacyAuthError,
  PrivacyRateLimitError,
  PrivacyRequestError,
  isPrivacyError,
  isPrivacyAuthError,
  isPrivacyRateLimitError,
  isPrivacyRequestError,
} from './errors';
export type { PrivacyRequestErrorCode } from './errors';
export { TASK_STATUSES, isTerminal } from './types';
export type {
  ComplianceType,
  DataRequestStatus,
  DisclosureType,
  OptOutStatus,
  PrivacyTask,
  PrivacyTaskState,
  TaskKind,
  TaskStatus,
  TerminalStatus,
} from './types';
