export { createConsent, type Consent, type ConsentOptions, type Decision, type LegacyFlag } from './state';
export { createGate, type Gate } from './gate';
export { createPurposes, checkPurposeOptions, purposesIn, type Purposes } from './purposes';
