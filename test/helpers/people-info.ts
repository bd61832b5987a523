import { deviceProperties } from '../../src/entry/device';
import type { Properties } from '../../src/types';

/** What a browser profile's `$set` carries besides the caller's values: mixpanel-browser's people properties for this navigator. */
export function peopleInfo(): Properties {
  const d = deviceProperties(navigator.userAgent, navigator.vendor);
  const info: Properties = { $browser_version: d.$browser_version };
  if (d.$os) info.$os = d.$os;
  if (d.$browser) info.$browser = d.$browser;
  return info;
}
