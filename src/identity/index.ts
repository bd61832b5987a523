export { INSERT_ID, distinctId, insertIds, uuid } from './ids';
export { DEVICE_PREFIX, PROFILE_KEY, anonymousProfile, createIdentity, parseProfile, type Identity, type Profile } from './profile';
