// `heed/consent`: consent sources (IAB TCF, IAB GPP, Google Consent Mode, any CMP) for a tracker.
// One entry point on purpose: the sources of one tracker are combined with AND in one module
// instance; import only what you use and the rest is shaken out.
export * from '../consent/sources';
export type { ConsentGate, ConsentListener, ConsentRecord, ConsentSource, ConsentStatus, PurposeStatuses } from '../types';
