import fs from 'node:fs';
import path from 'node:path';
import { HttpError, type RequestContext } from './http.js';

export interface StaticMount {
  /** URL prefix, starting and ending with '/'. */
  prefix: string;
  /** Absolute directory (it may not exist yet: a build can create it after the server starts). */
  root: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
};

/** Normalise `{prefix: dir}` into mounts, longest prefix first so '/dist/' wins over '/'. */
export function staticMounts(option: Record<string, string> | undefined): StaticMount[] {
  return Object.entries(option ?? {})
    .map(([prefix, dir]) => ({
      prefix: `/${prefix.replace(/^\/+|\/+$/g, '')}/`.replace('//', '/'),
      root: path.resolve(dir),
    }))
    .sort((a, b) => b.prefix.length - a.prefix.length);
}

/**
 * Serve a file under the longest matching mount. Returns false when no mount matches, so the
 * server answers 404. Paths are decoded and then checked to stay inside the root, after resolving
 * symlinks, so neither `%2e%2e%2f` nor a link out of the folder reaches other files.
 */
export async function serveStatic(ctx: RequestContext, mounts: StaticMount[]): Promise<boolean> {
  const pathname = ctx.url.pathname;
  const mount = mounts.find((m) => pathname.startsWith(m.prefix) || `${pathname}/` === m.prefix);
  if (!mount) return false;
  const method = ctx.req.method;
  if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `${method} is not allowed on static files`, { allow: 'GET, HEAD' });

  let relative: string;
  try {
    relative = decodeURIComponent(pathname.slice(mount.prefix.length));
  } catch {
    throw new HttpError(400, 'malformed percent-encoding in path');
  }
  if (relative.includes('\0')) throw new HttpError(400, 'NUL in path');
  let file = path.join(mount.root, relative);
  if (!inside(mount.root, file)) throw new HttpError(403, 'path escapes the static folder');

  let stat = await statOrUndefined(file);
  if (stat?.isDirectory()) {
    file = path.join(file, 'index.html');
    stat = await statOrUndefined(file);
  }
  if (!stat?.isFile()) throw new HttpError(404, `not found: ${pathname}`);
  // Symlinks: both sides resolved, so a link inside the folder cannot lead out of it.
  const [realRoot, real] = await Promise.all([fs.promises.realpath(mount.root), fs.promises.realpath(file)]);
  if (!inside(realRoot, real)) throw new HttpError(403, 'path escapes the static folder');

  const headers = {
    'content-type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': String(stat.size),
    // A dev server whose files change between test runs: never let the browser reuse them.
    'cache-control': 'no-store',
  };
  if (method === 'HEAD') {
    ctx.res.writeHead(200, headers).end();
    return true;
  }
  await new Promise<void>((resolve) => {
    const stream = fs.createReadStream(real);
    stream.once('open', () => {
      ctx.res.writeHead(200, headers);
      stream.pipe(ctx.res);
    });
    stream.once('error', () => {
      if (!ctx.res.headersSent) ctx.send(500, { status: 0, error: 'file could not be read' });
      else ctx.res.destroy();
      resolve();
    });
    stream.once('end', resolve);
  });
  return true;
}

function inside(root: string, file: string): boolean {
  return file === root || file.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

function statOrUndefined(file: string): Promise<fs.Stats | undefined> {
  return fs.promises.stat(file).catch(() => undefined);
}
