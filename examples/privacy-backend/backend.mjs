// An app backend's part in data-subject requests: who is signed in (a session cookie), and the
// privacy handler from `heed/privacy`, which asks Mixpanel's GDPR API (or heed's collector) on
// that person's behalf. The browser calls it with `requestDataDeletion(heed)` /
// `requestDataExport(heed)`; the GDPR token never leaves this server.
import { randomBytes } from 'node:crypto';
import { createPrivacyClient, createPrivacyHandler, toNodeHandler } from 'heed/privacy';

/** The collector's documented development token (collector/README.md): local use only. */
export const DEV_GDPR_TOKEN = 'heed-dev-gdpr-token';
export const SESSION_COOKIE = 'session';

/**
 * Where the privacy client sends its requests. Mixpanel when both `MIXPANEL_PROJECT_TOKEN` and
 * `MIXPANEL_GDPR_TOKEN` are set (`MIXPANEL_REGION`: us, eu or in), else heed's collector at
 * `collectorUrl` with its development token.
 */
export function clientOptions(env, collectorUrl) {
  const { MIXPANEL_PROJECT_TOKEN: token, MIXPANEL_GDPR_TOKEN: oauthToken, MIXPANEL_REGION: region } = env;
  if (token || oauthToken) {
    if (!token || !oauthToken) throw new Error('set both MIXPANEL_PROJECT_TOKEN and MIXPANEL_GDPR_TOKEN (or neither, for the local collector)');
    return { token, oauthToken, region: region || 'us' };
  }
  if (!collectorUrl) throw new Error('no collector URL and no MIXPANEL_* variables: nowhere to send data requests');
  return { token: env.HEED_PROJECT_TOKEN || 'heed-example', oauthToken: env.HEED_GDPR_TOKEN || DEV_GDPR_TOKEN, baseUrl: `${collectorUrl}/api/app` };
}

/**
 * Sessions in memory: a random cookie value → the signed-in person's id, which is also their
 * distinct_id in analytics (the site calls `heed.identify(user)`). A real app has its own.
 */
export function createSessions() {
  const users = new Map();
  return {
    start(user) {
      const id = randomBytes(18).toString('base64url');
      users.set(id, user);
      return id;
    },
    user: (id) => (id && users.get(id)) || null,
    end: (id) => users.delete(id),
  };
}

export function readCookie(header, name) {
  for (const part of (header || '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return decodeURIComponent(part.slice(at + 1).trim());
  }
  return undefined;
}

/**
 * The backend's routes, as a `node:http` listener that returns whether it answered:
 *   POST   /session  {"user":"ada"}  sign in (sets the cookie; no password: it is an example)
 *   GET    /session                  {"user": "ada" | null}
 *   DELETE /session                  sign out
 *   POST   /privacy/deletion, POST /privacy/export, GET /privacy/tasks/:id   (heed/privacy)
 */
export function createBackend({ client, basePath = '/privacy', rateLimit, onError } = {}) {
  const sessions = createSessions();
  const privacy = toNodeHandler(
    createPrivacyHandler({
      client,
      basePath,
      ...(rateLimit !== undefined ? { rateLimit } : {}),
      ...(onError ? { onError } : {}),
      // The only app code the handler needs: whose data may this request touch?
      authorize: (request) => sessions.user(readCookie(request.headers.get('cookie'), SESSION_COOKIE)),
    }),
  );

  async function session(req, res) {
    const current = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (req.method === 'GET') return json(res, 200, { user: sessions.user(current) });
    if (req.method === 'DELETE') {
      sessions.end(current);
      return json(res, 200, { user: null }, { 'set-cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0` });
    }
    if (req.method !== 'POST') return json(res, 405, { error: 'use GET, POST or DELETE' }, { allow: 'GET, POST, DELETE' });
    let user;
    try {
      user = JSON.parse(await body(req)).user;
    } catch {
      return json(res, 400, { error: 'send {"user": "<name>"}' });
    }
    if (typeof user !== 'string' || !/^[\w.@-]{1,64}$/.test(user)) return json(res, 400, { error: 'user: 1-64 letters, digits, . @ _ -' });
    sessions.end(current);
    const cookie = `${SESSION_COOKIE}=${sessions.start(user)}; Path=/; HttpOnly; SameSite=Lax`;
    return json(res, 200, { user }, { 'set-cookie': cookie });
  }

  return {
    sessions,
    /** Answers the backend's routes; returns false for any other path. */
    handle(req, res) {
      const path = new URL(req.url || '/', 'http://x').pathname;
      if (path === '/session') {
        session(req, res).catch((error) => {
          console.error(error);
          if (!res.headersSent) json(res, 500, { error: 'internal error' });
        });
        return true;
      }
      if (path === basePath || path.startsWith(basePath + '/')) {
        privacy(req, res);
        return true;
      }
      return false;
    },
  };
}

/** A privacy client for `clientOptions(env, collectorUrl)`, plus `extra` (e.g. `interval`). */
export const clientFromEnv = (env, collectorUrl, extra = {}) => createPrivacyClient({ ...clientOptions(env, collectorUrl), ...extra });

function json(res, status, value, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(value));
}

function body(req, limit = 4096) {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      text += chunk;
      if (text.length > limit) reject(new Error('body too large'));
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}
