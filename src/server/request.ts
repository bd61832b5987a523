import type { Config, ConsentStatus } from '../types';
import { parse } from '../intrinsics';

/** An incoming request: a Web `Request`, or a `node:http` `IncomingMessage` (anything with headers). */
export type IncomingRequest = { headers: Headers } | { headers: Record<string, string | string[] | undefined> };

const header = (req: IncomingRequest, name: string): string => {
  const h = req.headers as Headers | Record<string, string | string[] | undefined>;
  const v = typeof (h as Headers).get === 'function' ? (h as Headers).get(name) : (h as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? v.join('; ') : v || '';
};

/** One cookie's value from a `Cookie` header (decoded; undecodable reads as absent). */
export function cookieValue(cookies: string, name: string): string | undefined {
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * The consent of the person behind a request, by the browser's rules: their stored decision
 * (heed's and mixpanel-browser's `__mp_opt_in_out_<token>` cookie) wins, a "no" always; without
 * one, `Sec-GPC: 1` (unless `ignore_gpc`) and `DNT: 1` (unless `ignore_dnt`) mean no, and
 * `opt_out_tracking_by_default` means not yet.
 */
export function requestConsent(req: IncomingRequest, config: Config, token: string): ConsentStatus {
  const flag = cookieValue(header(req, 'cookie'), config.opt_out_tracking_cookie_prefix + token);
  if (flag === '0') return 'denied';
  if (flag === '1') return 'granted';
  if (!config.ignore_gpc && header(req, 'sec-gpc').trim() === '1') return 'denied';
  if (!config.ignore_dnt && header(req, 'dnt').trim() === '1') return 'denied';
  return config.opt_out_tracking_by_default ? 'pending' : 'granted';
}

/** Who the request is from, where the site keeps heed's profile in a cookie (`persistence: 'cookie'`). */
export function requestPerson(req: IncomingRequest, config: Config, token: string): { distinct_id?: string; $device_id?: string } {
  const name = 'mp_' + (config.persistence_name || config.cookie_name || token + '_mixpanel');
  const profile = parse(cookieValue(header(req, 'cookie'), name) || '') as { distinct_id?: unknown; $device_id?: unknown } | undefined;
  const out: { distinct_id?: string; $device_id?: string } = {};
  if (profile && typeof profile.distinct_id === 'string') out.distinct_id = profile.distinct_id;
  if (profile && typeof profile.$device_id === 'string') out.$device_id = profile.$device_id;
  return out;
}
