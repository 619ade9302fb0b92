import { randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { ConfigError } from '../util/errors.js';
import { PACKAGE_ROOT } from '../version.js';
import { dashboardPage } from './page.js';
import { discoverRuns, type RunInfo } from './runs.js';
import { downsampleMinMax, MetricsSeries } from './series.js';

export interface DashboardOptions {
  /** Run directories, or folders searched for them. */
  dirs: string[];
  /** 127.0.0.1 unless given; any other host requires a token. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Required for a host other than loopback (generated when absent there). */
  token?: string;
  /** How often files are checked for growth (ms). */
  pollMs?: number;
}

export interface Dashboard {
  url: string;
  /** The URL with the token, when one is required. */
  openUrl: string;
  server: Server;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
/** The largest series response, in points per series, whatever `buckets` asks for. */
const MAX_BUCKETS = 4000;
/** At most this many bytes of a metrics file are read per request (the rest on the next one). */
const READ_CHUNK = 8 << 20;
const MAX_URL = 2048;
const MAX_JSON_FILE = 8 << 20;
const MAX_EVENT_CLIENTS = 32;

/** The files the page needs, by URL; nothing else is served from disk but run files named by run id. */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/assets/app.js': { file: join(PACKAGE_ROOT, 'build', 'dashboard', 'app.js'), type: 'text/javascript' },
  '/assets/app.css': { file: join(PACKAGE_ROOT, 'build', 'dashboard', 'app.css'), type: 'text/css' },
};

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // Cross-origin isolation, so the page may use SharedArrayBuffer (the engine's threads).
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sameSecret(given: string | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(req: IncomingMessage): string | null {
  const m = /(?:^|;\s*)neuroplast_token=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '');
  return m ? m[1] : null;
}

/**
 * Serves the dashboard over `dirs`: the page, its assets and a JSON API (runs, series reduced per pixel bucket,
 * summaries, reports) with server-sent events when a run's files grow.
 */
export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const host = o.host ?? '127.0.0.1';
  const loopback = LOOPBACK.has(host);
  const token = o.token ?? (loopback ? null : randomBytes(18).toString('base64url'));
  if (token !== null && !/^[A-Za-z0-9_-]{16,}$/.test(token))
    throw new ConfigError(
      '--token',
      `expected at least 16 letters, digits, - or _, found ${token.length} characters`,
    );
  const pollMs = o.pollMs ?? 500;
  let runs = new Map<string, RunInfo>();
  const refresh = async () => {
    runs = new Map((await discoverRuns(o.dirs)).map((r) => [r.id, r]));
  };
  await refresh();
  const metrics = new Map<string, MetricsSeries>();
  const clients = new Set<ServerResponse>();

  /** The run's series, brought up to date with what its metrics file has gained. */
  const seriesOf = async (run: RunInfo): Promise<MetricsSeries> => {
    let m = metrics.get(run.id);
    const path = join(run.dir, 'metrics.jsonl');
    const st = await fsp.stat(path).catch(() => null);
    // A file that shrank was replaced: read it again from the start.
    if (!m || (st && st.size < m.offset)) metrics.set(run.id, (m = new MetricsSeries()));
    if (st && st.size > m.readOffset) {
      const fh = await fsp.open(path, 'r');
      try {
        const want = Math.min(READ_CHUNK, st.size - m.readOffset);
        const buf = Buffer.alloc(want);
        const { bytesRead } = await fh.read(buf, 0, want, m.readOffset);
        m.append(buf.subarray(0, bytesRead));
      } finally {
        await fh.close();
      }
    }
    return m;
  };

  const runFile = async (run: RunInfo, name: string): Promise<unknown> => {
    const path = join(run.dir, name);
    const st = await fsp.stat(path).catch(() => null);
    if (!st) return null;
    if (st.size > MAX_JSON_FILE)
      return { error: `${name} is ${st.size} bytes, over the ${MAX_JSON_FILE} shown` };
    try {
      return JSON.parse(await fsp.readFile(path, 'utf8'));
    } catch {
      return { error: `${name} is not valid JSON (being written, or damaged)` };
    }
  };

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer, extra = {}) => {
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'Content-Type': type,
      'Cache-Control': 'no-store',
      ...extra,
    });
    res.end(body);
  };
  const json = (res: ServerResponse, value: unknown) =>
    send(res, 200, 'application/json; charset=utf-8', JSON.stringify(value));

  /** What the page gets of a run: everything but its absolute path. */
  const publicRun = (r: RunInfo) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'dir'));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'only GET and HEAD');
    const raw = req.url ?? '/';
    if (raw.length > MAX_URL) throw new HttpError(414, 'URL too long');
    // DNS rebinding: a page on another name must not reach a loopback server.
    const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (loopback && !LOOPBACK.has(hostHeader)) throw new HttpError(403, 'unexpected Host header');
    let url: URL;
    try {
      url = new URL(raw, 'http://dashboard.invalid');
    } catch {
      throw new HttpError(400, 'bad URL');
    }
    let setCookie: Record<string, string> = {};
    if (token !== null) {
      const given =
        url.searchParams.get('token') ??
        (req.headers.authorization?.startsWith('Bearer ') ? req.headers.authorization.slice(7) : null) ??
        cookieToken(req);
      if (!sameSecret(given, token)) throw new HttpError(401, 'this dashboard needs its token (?token=...)');
      setCookie = { 'Set-Cookie': `neuroplast_token=${token}; HttpOnly; SameSite=Strict; Path=/` };
    }
    const path = url.pathname;
    if (path === '/' || path === '/index.html') {
      const built = await fsp.stat(ASSETS['/assets/app.js'].file).catch(() => null);
      return send(res, 200, 'text/html; charset=utf-8', dashboardPage({ assetsBuilt: !!built }), setCookie);
    }
    const asset = ASSETS[path];
    if (asset) {
      const body = await fsp.readFile(asset.file).catch(() => null);
      if (!body) throw new HttpError(404, 'not built (npm run build)');
      return send(res, 200, `${asset.type}; charset=utf-8`, body);
    }
    if (path === '/api/runs') return json(res, { runs: [...runs.values()].map(publicRun) });
    if (path === '/api/events') return events(req, res);
    const m = /^\/api\/runs\/([0-9a-f]{16})(\/[a-z-]+)?$/.exec(path);
    const run = m ? runs.get(m[1]) : undefined;
    if (!m || !run) throw new HttpError(404, 'not found');
    const part = m[2] ?? '';
    if (part === '') {
      return json(res, {
        run: publicRun(run),
        summary: await runFile(run, 'summary.json'),
        config: await runFile(run, 'config.json'),
      });
    }
    if (part === '/series') {
      const s = await seriesOf(run);
      return json(res, {
        lines: s.lines,
        skipped: s.skipped,
        series: [...s.series.values()].map((x) => ({
          key: x.key,
          group: x.group,
          field: x.field,
          xField: x.xField,
          points: x.x.length,
        })),
      });
    }
    if (part === '/data') {
      const key = url.searchParams.get('key') ?? '';
      const buckets = Math.max(1, Math.min(MAX_BUCKETS, Number(url.searchParams.get('buckets')) || 800));
      const s = await seriesOf(run);
      const series = s.series.get(key);
      if (!series) throw new HttpError(404, 'no such series');
      const d = downsampleMinMax(series.x, series.y, buckets);
      return json(res, { key, xField: series.xField, points: series.x.length, x: d.x, y: d.y });
    }
    if (part === '/report') {
      const body = await fsp.readFile(join(run.dir, 'report.html')).catch(() => null);
      if (!body) throw new HttpError(404, 'this run has no report.html');
      // The report runs in an opaque origin: its scripts cannot call this API.
      return send(res, 200, 'text/html; charset=utf-8', body, {
        'Content-Security-Policy': "sandbox allow-scripts; default-src 'self' 'unsafe-inline' data: blob:",
      });
    }
    throw new HttpError(404, 'not found');
  };

  const events = (req: IncomingMessage, res: ServerResponse) => {
    if (clients.size >= MAX_EVENT_CLIENTS) throw new HttpError(503, 'too many event streams');
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    clients.add(res);
    req.on('close', () => clients.delete(res));
  };

  // Growth of run files, polled (fs.watch misses appends on some file systems), told to every event stream.
  const sizes = new Map<string, string>();
  let ticks = 0;
  let polling = false;
  const poll = async () => {
    if (polling) return;
    polling = true;
    try {
      if (++ticks % 10 === 0) {
        const before = [...runs.keys()].join();
        await refresh();
        if ([...runs.keys()].join() !== before) broadcast('runs', {});
      }
      for (const run of runs.values()) {
        const stamps = await Promise.all(
          ['metrics.jsonl', 'run.json', 'summary.json'].map((f) =>
            fsp.stat(join(run.dir, f)).then(
              (s) => `${s.size}:${s.mtimeMs}`,
              () => '-',
            ),
          ),
        );
        const stamp = stamps.join('|');
        const prev = sizes.get(run.id);
        sizes.set(run.id, stamp);
        if (prev !== undefined && prev !== stamp) broadcast('run', { id: run.id });
      }
    } finally {
      polling = false;
    }
  };
  const broadcast = (event: string, data: unknown) => {
    for (const c of clients) c.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const timer = setInterval(() => void poll().catch(() => undefined), pollMs);
  timer.unref();
  const keepAlive = setInterval(() => {
    for (const c of clients) c.write(': keep-alive\n\n');
  }, 15_000);
  keepAlive.unref();

  const server = createServer(
    { maxHeaderSize: 16 * 1024, requestTimeout: 30_000, headersTimeout: 10_000 },
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500;
        const message = err instanceof HttpError ? err.message : 'internal error';
        if (res.headersSent) res.destroy();
        else send(res, status, 'text/plain; charset=utf-8', `${status} ${message}\n`);
      });
    },
  );
  // Garbage, oversized headers or a stalled request: the connection is dropped, the server goes on.
  server.on('clientError', (_err, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    socket.destroy();
  });
  server.keepAliveTimeout = 5_000;
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(o.port ?? 0, host, () => ok());
  });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${shown}:${addr.port}/`;
  return {
    url,
    openUrl: token ? `${url}?token=${token}` : url,
    server,
    close: async () => {
      clearInterval(timer);
      clearInterval(keepAlive);
      for (const c of clients) c.end();
      for (const s of sockets) s.destroy();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
