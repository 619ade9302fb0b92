import { randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { ConfigError, NeuroplastError } from '../util/errors.js';
import { PACKAGE_ROOT } from '../version.js';
import { loadDataset } from '../data/index.js';
import { dashboardPage, livePage } from './page.js';
import { describeRun, discoverRuns, openRegular, readRegular, readRunJson, type RunInfo } from './runs.js';
import {
  downsampleMinMax,
  groupSeries,
  histogramData,
  histogramInfo,
  MetricsSeries,
  type ScalarSeries,
} from './series.js';
import { groupedSeriesSvg, seriesSvg } from './plot-svg.js';
import {
  cellFile,
  continualCells,
  listMonitors,
  modelWeights,
  monitorSvg,
  receptiveFields,
  weightsPng,
} from './run-files.js';
import { smoothEma } from './smoothing.js';

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
/** Runs one group's curve may average: as many as the series cache holds, so a group is read once. */
const MAX_GROUP_RUNS = 16;
/** At most this many bytes of a metrics file are read per request (the rest on the next one). */
const READ_CHUNK = 8 << 20;
const MAX_URL = 2048;
const MAX_JSON_FILE = 8 << 20;
const MAX_REPORT = 64 << 20;
const MAX_EVENT_CLIENTS = 32;
/** Runs whose series are kept in memory at once (least recently used dropped first). */
const CACHED_RUNS = 16;

/** The files the page needs, by URL; nothing else is served from disk but run files named by run id. */
const built = (...path: string[]) => join(PACKAGE_ROOT, 'build', ...path);
const ASSETS: Record<string, { file: string; type: string }> = {
  '/assets/app.js': { file: built('dashboard', 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/assets/app.css': { file: built('dashboard', 'app.css'), type: 'text/css; charset=utf-8' },
  '/assets/live.js': { file: built('dashboard', 'live.js'), type: 'text/javascript; charset=utf-8' },
  '/assets/live-worker.js': {
    file: built('dashboard', 'live-worker.js'),
    type: 'text/javascript; charset=utf-8',
  },
  // neuroplast for a page (src/browser) and its WASM kernels.
  '/assets/neuroplast.mjs': {
    file: built('browser', 'neuroplast.mjs'),
    type: 'text/javascript; charset=utf-8',
  },
  '/assets/kernel-thread.js': {
    file: built('browser', 'kernel-thread.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/assets/kernels.wasm': { file: join(PACKAGE_ROOT, 'wasm', 'kernels.wasm'), type: 'application/wasm' },
};
/** The most MNIST training images the live-network page may ask for. */
const MAX_LIVE_DIGITS = 2000;

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

/** An SVG opened on its own runs nothing. */
const SVG_HEADERS = { 'Content-Security-Policy': "sandbox; default-src 'none'; style-src 'unsafe-inline'" };

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

function cookieToken(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === name && v) return v;
  }
  return null;
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
  /** The port listened on (known once listening; names the token cookie). */
  let port = 0;
  let runs = new Map<string, RunInfo>();
  const refresh = async () => {
    // Only new runs are read: a known run is described again when its stamp changes (in the poll below).
    runs = new Map((await discoverRuns(o.dirs, runs)).map((r) => [r.id, r]));
  };
  await refresh();
  const metrics = new Map<string, MetricsSeries>();
  const clients = new Set<ServerResponse>();
  const reading = new Map<string, Promise<MetricsSeries>>();

  /** Reads what the run's metrics file gained since the last read, to its end (a replaced file from its start). */
  const catchUp = async (run: RunInfo): Promise<MetricsSeries> => {
    let m = metrics.get(run.id) ?? new MetricsSeries();
    const fh = await openRegular(join(run.dir, 'metrics.jsonl'));
    if (fh)
      try {
        const st = await fh.stat();
        const same = m.file && m.file.dev === st.dev && m.file.ino === st.ino && st.size >= m.readOffset;
        if (!same) m = new MetricsSeries();
        m.file = { dev: st.dev, ino: st.ino };
        while (m.readOffset < st.size) {
          const want = Math.min(READ_CHUNK, st.size - m.readOffset);
          const buf = Buffer.alloc(want);
          const { bytesRead } = await fh.read(buf, 0, want, m.readOffset);
          if (bytesRead === 0) break;
          m.append(buf.subarray(0, bytesRead));
        }
      } finally {
        await fh.close();
      }
    metrics.delete(run.id);
    metrics.set(run.id, m);
    if (metrics.size > CACHED_RUNS) metrics.delete(metrics.keys().next().value!);
    return m;
  };
  /** One read at a time per run: concurrent requests wait for the one in flight, then find little left to read. */
  const seriesOf = (run: RunInfo): Promise<MetricsSeries> => {
    const next = (reading.get(run.id) ?? Promise.resolve(null)).catch(() => null).then(() => catchUp(run));
    reading.set(run.id, next);
    // The caller handles a failed read; this chain only forgets the finished one (and must not reject unhandled).
    next
      .finally(() => {
        if (reading.get(run.id) === next) reading.delete(run.id);
      })
      .catch(() => undefined);
    return next;
  };

  /** The first MAX_LIVE_DIGITS MNIST training images and labels, kept once read (not the whole dataset). */
  let digits: Promise<{ labels: Uint8Array; images: Uint8Array; pixels: number }> | null = null;
  /** The first `count` MNIST training images for the live-network page: count (u32 LE), labels, then pixels. */
  const liveDigits = async (count: number): Promise<Buffer> => {
    digits ??= loadDataset('mnist').then((ds) => {
      const pixels = ds.shape[1] * ds.shape[2];
      return {
        pixels,
        labels: ds.train.labels.slice(0, MAX_LIVE_DIGITS),
        images: ds.train.images.slice(0, MAX_LIVE_DIGITS * pixels),
      };
    });
    const d = await digits.catch(() => {
      digits = null;
      // The reason stays on the server's side (it names local paths); the command tells how to get the data.
      throw new HttpError(503, 'MNIST is not available here (neuroplast data download mnist)');
    });
    const out = Buffer.alloc(4 + count + count * d.pixels);
    out.writeUInt32LE(count, 0);
    out.set(d.labels.subarray(0, count), 4);
    out.set(d.images.subarray(0, count * d.pixels), 4 + count);
    return out;
  };

  const runFile = async (run: RunInfo, name: string): Promise<unknown> => {
    const r = await readRunJson(join(run.dir, name), MAX_JSON_FILE);
    return r.error ? { error: r.error } : r.value;
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

  /** What the page gets of a run: everything but its paths. */
  const publicRun = (r: RunInfo) =>
    Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'dir' && k !== 'root'));

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
    // A page on another site must not use this one (its requests carry a loopback Host too).
    const site = req.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') throw new HttpError(403, 'cross-site request');
    let setCookie: Record<string, string> = {};
    if (token !== null) {
      const cookie = `neuroplast_token_${port}`;
      const given = [
        url.searchParams.get('token'),
        req.headers.authorization?.startsWith('Bearer ') ? req.headers.authorization.slice(7) : null,
        cookieToken(req, cookie),
      ];
      if (!given.some((g) => sameSecret(g, token)))
        throw new HttpError(401, 'this dashboard needs its token (?token=...)');
      setCookie = { 'Set-Cookie': `${cookie}=${token}; HttpOnly; SameSite=Strict; Path=/` };
    }
    const path = url.pathname;
    if (path === '/' || path === '/index.html' || path === '/live') {
      const script = path === '/live' ? '/assets/live.js' : '/assets/app.js';
      const assetsBuilt = !!(await fsp.stat(ASSETS[script].file).catch(() => null));
      const page = path === '/live' ? livePage({ assetsBuilt }) : dashboardPage({ assetsBuilt });
      return send(res, 200, 'text/html; charset=utf-8', page, setCookie);
    }
    const asset = ASSETS[path];
    if (asset) {
      const body = await fsp.readFile(asset.file).catch(() => null);
      if (!body) throw new HttpError(404, 'not built (npm run build)');
      return send(res, 200, asset.type, body);
    }
    if (path === '/api/live/digits') {
      const count = Number(url.searchParams.get('count') || NaN);
      if (!Number.isInteger(count) || count < 1 || count > MAX_LIVE_DIGITS)
        throw new HttpError(400, `count: expected an integer from 1 to ${MAX_LIVE_DIGITS}`);
      return send(res, 200, 'application/octet-stream', await liveDigits(count));
    }
    if (path === '/api/runs') return json(res, { runs: [...runs.values()].map(publicRun) });
    if (path === '/api/plot.svg') {
      // The scalars view's chart of one series as the SVG `neuroplast plot` writes (for papers): a line per run, or
      // with `group=ID,ID...&label=L` repeated, a mean curve with its ± sd band per group.
      const key = url.searchParams.get('key') ?? '';
      const smoothing = Math.min(0.999, Math.max(0, Number(url.searchParams.get('smoothing')) || 0));
      const width = Math.max(200, Math.min(2000, Math.floor(Number(url.searchParams.get('width')) || 640)));
      const seriesOfIds = async (ids: string[]) => {
        const chosen = ids.map((id) => runs.get(id));
        if (!chosen.length || chosen.some((r) => !r)) throw new HttpError(404, 'no such run');
        const found: { label: string; series: ScalarSeries }[] = [];
        for (const r of chosen as RunInfo[]) {
          const series = (await seriesOf(r)).series.get(key);
          if (series) found.push({ label: r.label, series });
        }
        return found;
      };
      const groupIds = url.searchParams.getAll('group').slice(0, 16);
      let svg: string;
      if (groupIds.length) {
        const labels = url.searchParams.getAll('label');
        const groups = [];
        for (const [i, ids] of groupIds.entries()) {
          const list = [...new Set(ids.split(','))];
          if (list.length > MAX_GROUP_RUNS)
            throw new HttpError(400, `group: expected at most ${MAX_GROUP_RUNS} runs, found ${list.length}`);
          const curves = (await seriesOfIds(list)).map((c) => c.series);
          if (curves.length) groups.push({ label: (labels[i] ?? `group ${i + 1}`).slice(0, 200), curves });
        }
        if (!groups.length) throw new HttpError(404, 'no such series');
        svg = groupedSeriesSvg(groups, { key, smoothing, width }).svg;
      } else {
        const lines = await seriesOfIds((url.searchParams.get('ids') ?? '').split(',').slice(0, 16));
        if (!lines.length) throw new HttpError(404, 'no such series');
        svg = seriesSvg(lines, { key, smoothing, width }).svg;
      }
      return send(res, 200, 'image/svg+xml; charset=utf-8', svg, {
        ...SVG_HEADERS,
        'Content-Disposition': 'attachment; filename="plot.svg"',
      });
    }
    if (path === '/api/group') {
      // One metric of several runs as their mean and mean ± sd at each x (the scalars view's "group by").
      const key = url.searchParams.get('key') ?? '';
      const ids = [...new Set((url.searchParams.get('ids') ?? '').split(','))];
      if (ids.length > MAX_GROUP_RUNS)
        throw new HttpError(400, `ids: expected at most ${MAX_GROUP_RUNS} runs, found ${ids.length}`);
      const chosen = ids.map((id) => runs.get(id));
      if (!chosen.length || chosen.some((r) => !r)) throw new HttpError(404, 'no such run');
      const buckets = Math.max(
        1,
        Math.min(MAX_BUCKETS, Math.floor(Number(url.searchParams.get('buckets')) || 800)),
      );
      const smoothing = Math.min(0.999, Math.max(0, Number(url.searchParams.get('smoothing')) || 0));
      const curves = [];
      for (const r of chosen as RunInfo[]) {
        const s = (await seriesOf(r)).series.get(key);
        if (s) curves.push({ x: s.x, y: smoothing > 0 ? smoothEma(s.y, smoothing) : s.y });
      }
      return json(res, { key, runs: curves.length, ...groupSeries(curves, buckets) });
    }
    if (path === '/api/events') return events(req, res);
    const m = /^\/api\/runs\/([0-9a-f]{16})(\/[a-z.-]+)?$/.exec(path);
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
        droppedSeries: s.droppedSeries,
        compacted: s.compacted,
        series: [...s.series.values()].map((x) => ({
          key: x.key,
          group: x.group,
          field: x.field,
          xField: x.xField,
          points: x.x.length,
        })),
        histograms: [...s.histograms.values()].map(histogramInfo),
      });
    }
    if (part === '/histogram') {
      const h = (await seriesOf(run)).histograms.get(url.searchParams.get('key') ?? '');
      if (!h) throw new HttpError(404, 'no such histogram');
      return json(res, histogramData(h));
    }
    if (part === '/monitors') return json(res, listMonitors(run.dir));
    if (part === '/monitor.svg') {
      const width = Math.max(320, Math.min(1600, Math.floor(Number(url.searchParams.get('width')) || 640)));
      const svg = await monitorSvg(run.dir, url.searchParams.get('file') ?? '', width).catch((err: Error) => {
        // A damaged or oversized file: its one-line reason, for the page to show in place of the plot.
        throw new HttpError(422, err.message.split('\n')[0]);
      });
      if (svg === null) throw new HttpError(404, 'no such monitor file');
      return send(res, 200, 'image/svg+xml; charset=utf-8', svg, SVG_HEADERS);
    }
    if (part === '/receptive-fields.png') {
      const r = await receptiveFields(run.dir);
      if (!r) throw new HttpError(404, 'this run has no saved network');
      if ('error' in r) throw new HttpError(422, r.error);
      return send(res, 200, 'image/png', r.png);
    }
    if (part === '/weights') {
      const r = await modelWeights(run.dir);
      if (!r) throw new HttpError(404, 'this run has no saved model');
      if ('error' in r) throw new HttpError(422, r.error);
      return json(res, r);
    }
    if (part === '/weights.png') {
      const r = await weightsPng(run.dir, url.searchParams.get('layer') ?? '');
      if (!r) throw new HttpError(404, 'no such weight tensor');
      if ('error' in r) throw new HttpError(422, r.error);
      return send(res, 200, 'image/png', r.png);
    }
    if (part === '/cell') {
      const r = await cellFile(run.dir, url.searchParams.get('name') ?? '');
      if (!r) throw new HttpError(404, 'no such cell');
      if (r.error) throw new HttpError(422, r.error);
      return json(res, r.value);
    }
    if (part === '/data') {
      const key = url.searchParams.get('key') ?? '';
      const buckets = Math.max(
        1,
        Math.min(MAX_BUCKETS, Math.floor(Number(url.searchParams.get('buckets')) || 800)),
      );
      const smoothing = Math.min(0.999, Math.max(0, Number(url.searchParams.get('smoothing')) || 0));
      const s = await seriesOf(run);
      const series = s.series.get(key);
      if (!series) throw new HttpError(404, 'no such series');
      // Smoothed over every point kept, then reduced: the average is not pulled toward the extremes kept per pixel.
      const d = downsampleMinMax(
        series.x,
        smoothing > 0 ? smoothEma(series.y, smoothing) : series.y,
        buckets,
      );
      return json(res, { key, xField: series.xField, points: series.x.length, x: d.x, y: d.y });
    }
    if (part === '/cells') return json(res, await continualCells(run.dir));
    if (part === '/report') {
      const body = await readRegular(join(run.dir, 'report.html'), MAX_REPORT);
      if (body === null) throw new HttpError(404, 'this run has no report.html');
      if (body === 'too large') throw new HttpError(413, `report.html is over ${MAX_REPORT} bytes`);
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
        if (prev === undefined || prev === stamp) continue;
        // Described again before anyone is told, so the page reads the new status.
        runs.set(run.id, await describeRun(run.dir, run.root));
        broadcast('run', { id: run.id });
      }
    } finally {
      polling = false;
    }
  };
  const broadcast = (event: string, data: unknown) => {
    for (const c of clients) c.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };

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
    server.once('error', (err: NodeJS.ErrnoException) =>
      fail(
        new NeuroplastError(
          `dashboard: cannot listen on ${host}:${o.port ?? 0}: ${
            err.code === 'EADDRINUSE'
              ? 'the port is in use (choose another --port, or 0 for any free port)'
              : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND'
                ? 'no such address on this machine (--host)'
                : err.code === 'EACCES'
                  ? 'permission denied (ports below 1024 need privileges)'
                  : err.message
          }`,
          2,
        ),
      ),
    );
    server.listen(o.port ?? 0, host, () => ok());
  });
  const addr = server.address() as AddressInfo;
  port = addr.port;
  const timer = setInterval(() => void poll().catch(() => undefined), pollMs);
  timer.unref();
  const keepAlive = setInterval(() => {
    for (const c of clients) c.write(': keep-alive\n\n');
  }, 15_000);
  keepAlive.unref();
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
