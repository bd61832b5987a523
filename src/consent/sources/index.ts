export { fromTCF, type TCFOptions } from './tcf';
export { fromGPP, type GPPOptions } from './gpp';
export { fromConsentMode, type ConsentModeOptions } from './consent-mode';
export { fromSignal, type SignalAnswer, type SignalOptions, type SignalValue } from './signal';
export {
  fromOneTrust,
  fromCookiebot,
  fromUsercentrics,
  fromDidomi,
  fromKlaro,
  type OneTrustOptions,
  type CookiebotOptions,
  type UsercentricsOptions,
  type DidomiOptions,
  type KlaroOptions,
} from './cmps';
export type { SourceOptions, Stop, Tracker, View, Views } from './attach';
