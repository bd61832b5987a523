// The script-tag build: `window.heed` is the default instance.
export { default } from './browser';
