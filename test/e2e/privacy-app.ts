import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { createHeed } from '../../src/entry/node';
import { createPrivacyClient, createPrivacyHandler, toNodeHandler, type PrivacyClientOptions } from '../../src/privacy';

const ROOT = join(__dirname, '..', '..');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

export interface App {
  /** `http://127.0.0.1:<port>`: the app's own origin (pages, heed's bundle, /privacy/*). */
  url: string;
  /** Sign `user` in: a URL that sets the session cookie and lands on the page. */
  login(user: string): string;
  /** A background job of the backend's (no request behind it) tracking for `user`; resolves once delivered. */
  job(user: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A minimal app backend as an adopter would write one: sessions in an HttpOnly cookie, its pages
 * and heed's ESM build, and `/privacy/*` served by createPrivacyHandler through toNodeHandler. The
 * GDPR client (and its token) lives only here, on the server.
 */
export async function startApp(client: Pick<PrivacyClientOptions, 'token' | 'oauthToken' | 'baseUrl'>, ingest: string): Promise<App> {
  const sessions = new Map<string, string>();
  // The backend's own server-side tracking, into the same project.
  const heed = createHeed();
  heed.init(client.token, { api_host: ingest, batch_flush_interval_ms: 50 });
  const session = (cookie: string | null | undefined) => sessions.get(/(?:^|;\s*)session=([^;]+)/.exec(cookie ?? '')?.[1] ?? '');
  const privacy = toNodeHandler(
    createPrivacyHandler({
      client: createPrivacyClient(client),
      // A deletion and POST /privacy/opt-out stop this backend's tracking of the person.
      suppress: heed,
      // The app's own notion of who is signed in; the handler acts on nothing else.
      authorize: (request) => session(request.headers.get('cookie')) ?? null,
      // Pages poll the task status about once a second while a job runs.
      rateLimit: { limit: 60, windowMs: 60000 },
    }),
  );
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://app.invalid');
    if (url.pathname.startsWith('/privacy/')) return privacy(req, res);
    if (url.pathname === '/app/work') {
      // Server-side tracking on behalf of the person behind the request, with their consent.
      const them = heed.forRequest(req, { distinct_id: session(req.headers.cookie) });
      const tracked = !!them.track('server work', { path: url.pathname });
      void heed.flush().then(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: them.status, tracked })));
      return;
    }
    if (url.pathname === '/login') {
      const sid = randomUUID();
      sessions.set(sid, url.searchParams.get('user') ?? '');
      res.writeHead(302, { 'set-cookie': `session=${sid}; HttpOnly; SameSite=Lax; Path=/`, location: '/pages/privacy.html' });
      return res.end();
    }
    const file =
      url.pathname.startsWith('/dist/') ? join(ROOT, normalize(url.pathname))
      : url.pathname === '/pages/privacy.html' ? join(__dirname, 'pages', 'privacy.html')
      // heed.mjs imports idb-keyval by name; the page's import map points here.
      : url.pathname === '/vendor/idb-keyval.js' ? join(ROOT, 'node_modules', 'idb-keyval', 'dist', 'index.js')
      : undefined;
    if (!file || !file.startsWith(ROOT)) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    login: (user) => `${url}/login?user=${encodeURIComponent(user)}`,
    job: async (user) => {
      heed.track('server job', { distinct_id: user });
      await heed.flush();
    },
    close: () =>
      new Promise<void>((resolve) => {
        void heed.flush();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
