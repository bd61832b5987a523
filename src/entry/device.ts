import type { Properties } from '../types';

// What the user agent says, with the names mixpanel-browser reports (utils.js `_.info`), so a
// project's breakdowns by $os, $browser and $device keep their values after the switch.

const V = '\\/(\\d+(\\.\\d+)?)';
const version = (ua: string, name: string) => {
  const m = new RegExp(name + V).exec(ua);
  return m ? parseFloat(m[1]) : undefined;
};

/** [test, $browser, the token its version follows] in mixpanel-browser's order (later tests match earlier browsers too). */
const BROWSERS: Array<[RegExp, string, string?]> = [
  [/ OPR\/|Opera/, 'Opera', '(?:Opera|OPR)'],
  [/SamsungBrowser\//, 'Samsung Internet', 'SamsungBrowser'],
  [/Edge|Edg\//, 'Microsoft Edge', 'Edge?'],
  [/FBIOS/, 'Facebook Mobile'],
  [/Chrome/, 'Chrome', 'Chrome'],
  [/CriOS/, 'Chrome iOS', 'CriOS'],
  [/FxiOS/, 'Firefox iOS', 'FxiOS'],
];

function browser(ua: string, vendor: string): [string, number?] {
  for (const [test, name, token] of BROWSERS) if (test.test(ua)) return [name, token ? version(ua, token) : undefined];
  if (/Apple/.test(vendor)) return [/Mobile/.test(ua) ? 'Mobile Safari' : 'Safari', version(ua, 'Version')];
  if (/Firefox/.test(ua)) return ['Firefox', version(ua, 'Firefox')];
  if (/MSIE|Trident\//.test(ua)) return ['Internet Explorer', undefined];
  return [''];
}

const os = (ua: string) =>
  /Windows/i.test(ua) ? (/Phone|WPDesktop/.test(ua) ? 'Windows Phone' : 'Windows') : /iPhone|iPad|iPod/.test(ua) ? 'iOS'
    : /Android/.test(ua) ? 'Android' : /Mac/i.test(ua) ? 'Mac OS X' : /Linux/.test(ua) ? 'Linux' : /CrOS/.test(ua) ? 'Chrome OS' : '';

const device = (ua: string) =>
  /Windows Phone|WPDesktop/i.test(ua) ? 'Windows Phone' : /iPad/.test(ua) ? 'iPad' : /iPod/.test(ua) ? 'iPod Touch'
    : /iPhone/.test(ua) ? 'iPhone' : /Android/.test(ua) ? 'Android' : '';

/**
 * `$os`, `$browser`, `$browser_version` and `$device`; empty ones left out, as mixpanel-browser
 * leaves them out, except `$browser_version`, which it always sends (null when unknown).
 */
export function deviceProperties(ua: string, vendor: string): Properties {
  const [name, v] = browser(ua, vendor);
  const p: Properties = { $os: os(ua), $browser: name, $device: device(ua) };
  for (const key in p) if (!p[key]) delete p[key];
  p.$browser_version = v === undefined ? null : v;
  return p;
}
