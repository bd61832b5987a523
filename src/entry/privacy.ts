// `heed/privacy`: the GDPR/CCPA client, the request handler and its node:http adapter. Node only
// (export condition `node`): the client holds the GDPR OAuth token, which must never reach a browser.
export * from '../privacy/index';
export { HeedError, isHeedError } from '../errors';
