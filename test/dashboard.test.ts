import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  compareRuns,
  discoverRuns,
  downsampleMinMax,
  groupSeries,
  MAX_LINE_BYTES,
  MetricsSeries,
  plotRuns,
  smoothEma,
  startDashboard,
  type Dashboard,
} from '../src/dashboard/index.js';
import { CLI } from './helpers.js';

test('min/max reduction: bounded, made of input points, and no bucket loses its extremes', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 3000 }),
      fc.integer({ min: 1, max: 200 }),
      fc.boolean(),
      (y, buckets, monotone) => {
        const x = y.map((_, i) => (monotone ? i * 0.5 : (i * 7919) % 101));
        const d = downsampleMinMax(x, y, buckets);
        if (y.length <= 4 * buckets) {
          assert.deepEqual(d.y, y);
          return;
        }
        assert.ok(d.y.length <= 4 * buckets, `${d.y.length} points for ${buckets} buckets`);
        assert.equal(d.y.length, d.x.length);
        // Global extremes survive (a spike is never hidden), and the ends are kept.
        assert.equal(Math.max(...d.y), Math.max(...y));
        assert.equal(Math.min(...d.y), Math.min(...y));
        assert.equal(d.y[0], y[0]);
        assert.equal(d.y.at(-1), y.at(-1));
        if (monotone) {
          // Each bucket's own extremes survive: the max over every x range of one bucket.
          const width = (x.at(-1)! - x[0]) / buckets;
          for (let b = 0; b < buckets; b++) {
            const inB = (v: number) => Math.min(buckets - 1, Math.floor((v - x[0]) / width)) === b;
            const orig = y.filter((_, i) => inB(x[i]));
            if (!orig.length) continue;
            const kept = d.y.filter((_, i) => inB(d.x[i]));
            assert.equal(Math.max(...kept), Math.max(...orig));
            assert.equal(Math.min(...kept), Math.min(...orig));
          }
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('a million-point series reduces to 4 points per bucket in well under a second', () => {
  const n = 1_000_000;
  const x = Float64Array.from({ length: n }, (_, i) => i);
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 1000) + (i === 123_457 ? 50 : 0));
  const d = downsampleMinMax(x, y, 1000);
  assert.ok(d.y.length <= 4000);
  assert.ok(d.y.includes(Math.sin(123.457) + 50), 'the one-sample spike is kept');
});

test('grouped curves over runs logged at different x: each run averaged per bucket first, n counts runs', () => {
  const g = groupSeries(
    [
      { x: [0, 10, 20], y: [1, 1, 1] },
      { x: [5, 15, 25], y: [3, 3, 3] },
    ],
    5,
  );
  // Five buckets of width 5 over [0, 25]: each run lands in its own buckets except where they share one.
  assert.deepEqual(g.n, [1, 1, 1, 1, 2]);
  assert.deepEqual(g.mean, [1, 3, 1, 3, 2]);
  assert.ok(Math.abs(g.hi[4] - (2 + Math.SQRT2)) < 1e-12);
  // The same curves with shifted steps and two buckets: both runs in each, so the spread shows.
  const wide = groupSeries(
    [
      { x: [0, 10, 20], y: [1, 1, 1] },
      { x: [5, 15, 25], y: [3, 3, 3] },
    ],
    2,
  );
  assert.deepEqual(wide.n, [2, 2]);
  assert.deepEqual(wide.mean, [2, 2]);
});

test('grouped curves: mean and mean ± sd over the runs at each x; reduced, every bucket keeps its spread', () => {
  const two = groupSeries(
    [
      { x: [0, 1, 2], y: [1, 2, 3] },
      { x: [0, 1, 2, 3], y: [3, 4, 5, 10] },
    ],
    100,
  );
  assert.deepEqual(two.x, [0, 1, 2, 3]);
  assert.deepEqual(two.mean, [2, 3, 4, 10]);
  assert.deepEqual(two.n, [2, 2, 2, 1]);
  assert.ok(Math.abs(two.hi[0] - (2 + Math.SQRT2)) < 1e-12 && two.lo[3] === 10 && two.hi[3] === 10);
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 600 }), {
        minLength: 1,
        maxLength: 4,
      }),
      fc.integer({ min: 1, max: 50 }),
      (ys, buckets) => {
        const runs = ys.map((y) => ({ x: y.map((_, i) => i), y }));
        const full = groupSeries(runs, 1e9);
        const g = groupSeries(runs, buckets);
        assert.ok(g.x.length <= Math.max(full.x.length <= 4 * buckets ? full.x.length : 0, 4 * buckets));
        for (let i = 0; i < full.x.length; i++) {
          const v = runs.filter((r) => i < r.y.length).map((r) => r.y[i]);
          assert.ok(Math.abs(full.mean[i] - v.reduce((a, b) => a + b, 0) / v.length) < 1e-9);
          assert.ok(full.lo[i] <= full.mean[i] + 1e-9 && full.mean[i] <= full.hi[i] + 1e-9);
        }
        // Each full point's band lies within the band drawn for the kept points of its bucket.
        const width = (full.x.at(-1)! - full.x[0]) / buckets || 1;
        const bucketOf = (x: number) => Math.min(buckets - 1, Math.floor((x - full.x[0]) / width));
        if (g.x.length < full.x.length)
          full.x.forEach((x, i) => {
            const k = g.x.findIndex((gx) => bucketOf(gx) === bucketOf(x));
            assert.ok(k >= 0, 'every bucket keeps a point');
            assert.ok(g.lo[k] <= full.lo[i] && g.hi[k] >= full.hi[i]);
          });
      },
    ),
    { numRuns: 60 },
  );
});

test('metrics read in pieces give the same series as read whole; bad and overlong lines are counted, not kept', () => {
  const lines = [
    '{"type":"train","step":1,"loss":0.5,"accuracy":0.8}',
    'not json',
    '[1,2]',
    '{"type":"train","step":2,"loss":0.25,"accuracy":0.9}',
    '{"type":"eval","epoch":1,"accuracy":0.85,"seed":3}',
    '',
    '{"phase":"fit","iteration":0,"error":1.5}',
  ];
  const text = Buffer.from(lines.join('\n') + '\n');
  const whole = new MetricsSeries();
  whole.append(text);
  assert.equal(whole.lines, 4);
  assert.equal(whole.skipped, 2);
  assert.deepEqual(whole.series.get('type=train loss')?.x, [1, 2]);
  assert.deepEqual(whole.series.get('type=train loss')?.y, [0.5, 0.25]);
  assert.equal(whole.series.get('type=eval accuracy')?.xField, 'epoch');
  assert.equal(whole.series.has('type=eval seed'), false, 'seed labels a record, it is not a series');
  assert.deepEqual(whole.series.get('phase=fit error')?.y, [1.5]);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: text.length }), { maxLength: 6 }), (cuts) => {
      const m = new MetricsSeries();
      const at = [0, ...[...cuts].sort((a, b) => a - b), text.length];
      for (let i = 1; i < at.length; i++) m.append(text.subarray(at[i - 1], at[i]));
      assert.deepEqual([...m.series.entries()], [...whole.series.entries()]);
      assert.equal(m.offset, text.length);
    }),
  );
  // An unfinished last line waits for its end; an overlong one is skipped without being kept.
  const m = new MetricsSeries();
  m.append(Buffer.from('{"step":1,"v":1}\n{"step":2,'));
  assert.equal(m.lines, 1);
  assert.equal(m.readOffset, Buffer.byteLength('{"step":1,"v":1}\n{"step":2,'));
  m.append(Buffer.from('"v":2}\n'));
  assert.deepEqual(m.series.get('v')?.y, [1, 2]);
  const long = Buffer.alloc(MAX_LINE_BYTES + 10, 'x');
  m.append(long.subarray(0, MAX_LINE_BYTES / 2));
  m.append(long.subarray(MAX_LINE_BYTES / 2));
  m.append(Buffer.from('\n{"step":3,"v":3}\n'));
  assert.equal(m.skipped, 1);
  assert.deepEqual(m.series.get('v')?.y, [1, 2, 3]);
});

test('memory stays bounded: series beyond the cap are dropped, long ones reduced with their extremes kept', () => {
  const m = new MetricsSeries(1000, 3);
  const lines: string[] = [];
  for (let i = 0; i < 2000; i++) lines.push(JSON.stringify({ step: i, a: i === 777 ? 1e9 : i % 10, b: 1 }));
  lines.push('{"kind":"other","step":1,"c":1,"d":2}');
  m.append(Buffer.from(lines.join('\n') + '\n'));
  assert.equal(m.series.size, 3);
  assert.equal(m.droppedSeries, 1);
  const total = [...m.series.values()].reduce((n, s) => n + s.x.length, 0);
  assert.ok(total <= 1000, `${total} points kept`);
  assert.ok(m.compacted > 0);
  assert.equal(Math.max(...m.series.get('a')!.y), 1e9, 'the spike survives the reduction');
});

test('smoothing is debiased: raw at 0, constant stays constant, first point unchanged', () => {
  const y = [1, 3, 2, 5, Number.NaN, 4];
  assert.deepEqual(smoothEma(y, 0), y);
  assert.deepEqual(
    smoothEma([2, 2, 2], 0.9),
    [2, 2, 2].map(() => 2),
  );
  const s = smoothEma(y, 0.5);
  assert.equal(s[0], 1);
  // (0.5*1*0.5 + 0.5*3) / (1 - 0.25)
  assert.ok(Math.abs(s[1] - (0.25 + 1.5) / 0.75) < 1e-12);
  assert.ok(Number.isNaN(s[4]));
});

/** A folder with two runs, one named like an attack, one with a damaged run.json. */
function runsFolder(): { root: string; good: string; bad: string } {
  const root = mkdtempSync(join(tmpdir(), 'np-dash-'));
  const good = join(root, 'alpha');
  const bad = join(root, 'nested', 'beta');
  mkdirSync(good, { recursive: true });
  mkdirSync(bad, { recursive: true });
  writeFileSync(
    join(good, 'config.json'),
    JSON.stringify({ name: '<script>alert(1)</script>', task: { kind: 'x' } }),
  );
  writeFileSync(
    join(good, 'run.json'),
    JSON.stringify({ status: 'completed', startedAt: '2026-12-02T00:00:00Z' }),
  );
  writeFileSync(
    join(good, 'metrics.jsonl'),
    Array.from({ length: 5000 }, (_, i) =>
      JSON.stringify({ type: 'train', step: i, loss: 1 / (i + 1) }),
    ).join('\n') + '\n',
  );
  writeFileSync(join(good, 'summary.json'), JSON.stringify({ accuracy: 0.9 }));
  writeFileSync(join(good, 'report.html'), '<!doctype html><p>report</p>');
  writeFileSync(join(bad, 'run.json'), '{"status": "runn');
  writeFileSync(join(bad, 'metrics.jsonl'), '');
  return { root, good, bad };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(
  d: Dashboard,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Reply> {
  const u = new URL(d.url);
  return new Promise((ok, fail) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => ok({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

/** Writes raw bytes to the server and returns what it answers before closing. */
function raw(d: Dashboard, bytes: string | Buffer): Promise<string> {
  const u = new URL(d.url);
  return new Promise((ok) => {
    const s = connect(Number(u.port), u.hostname);
    let out = '';
    s.on('data', (c) => (out += c));
    s.on('close', () => ok(out));
    s.on('error', () => ok(out));
    s.setTimeout(3000, () => s.destroy());
    s.end(bytes);
  });
}

test('runs are found under folders, damaged ones listed with their error', async () => {
  const { root } = runsFolder();
  const runs = await discoverRuns([root]);
  assert.deepEqual(
    runs.map((r) => r.label),
    ['alpha', join('nested', 'beta')],
  );
  assert.equal(runs[0].name, '<script>alert(1)</script>');
  assert.equal(runs[0].status, 'completed');
  assert.match(runs[1].error ?? '', /run\.json: not valid JSON/);
});

test('dashboard server: the page, the run list, series, live events; traversal, garbage and bad hosts refused', async () => {
  const { root, good } = runsFolder();
  const d = await startDashboard({ dirs: [root], port: 0, pollMs: 100 });
  try {
    const page = await get(d, '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /<script src="\/assets\/app\.js"/);
    assert.equal(page.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(page.headers['cross-origin-embedder-policy'], 'require-corp');
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    const list = JSON.parse((await get(d, '/api/runs')).body) as { runs: { id: string; name: string }[] };
    assert.equal(list.runs.length, 2);
    assert.equal(list.runs[0].name, '<script>alert(1)</script>');
    assert.ok(!JSON.stringify(list).includes(root), 'no absolute path leaves the server');
    const id = list.runs[0].id;
    const series = JSON.parse((await get(d, `/api/runs/${id}/series`)).body);
    assert.deepEqual(
      series.series.map((s: { key: string }) => s.key),
      ['type=train loss'],
    );
    const data = JSON.parse((await get(d, `/api/runs/${id}/data?key=type%3Dtrain%20loss&buckets=100`)).body);
    assert.equal(data.points, 5000);
    assert.ok(data.y.length <= 400);
    assert.equal(Math.max(...data.y), 1);
    const report = await get(d, `/api/runs/${id}/report`);
    assert.equal(report.status, 200);
    assert.match(String(report.headers['content-security-policy']), /^sandbox/);

    for (const path of [
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
      '/assets/..%2f..%2fpackage.json',
      '/assets/../../package.json',
      `/api/runs/${id}/../../../../etc/passwd`,
      `/api/runs/..%2f..%2fetc`,
      '/api/runs/0000000000000000',
      '//etc/passwd',
      '/etc/passwd',
    ]) {
      const r = await raw(d, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      assert.match(r, /^HTTP\/1\.1 404/, path);
      assert.ok(!r.includes('root:') && !r.includes('"dependencies"'), path);
    }
    const absolute = await raw(
      d,
      'GET /../../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    );
    assert.ok(!absolute.includes('root:'));
    assert.equal((await get(d, '/', {}, 'POST')).status, 405);
    assert.equal((await get(d, '/api/runs', { Host: 'evil.example:80' })).status, 403, 'DNS rebinding');
    // Garbage, a huge header and a truncated request: dropped; the server keeps answering.
    await raw(d, Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10]));
    await raw(d, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    await raw(d, 'GET /api/ru');
    await raw(d, `GET /${'a'.repeat(5000)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    assert.equal((await get(d, '/')).status, 200);

    // Live: a line appended to metrics.jsonl is announced, and the series gains it.
    const u = new URL(d.url);
    const announced = await new Promise<string>((ok, fail) => {
      const req = request({ host: u.hostname, port: u.port, path: '/api/events' }, (res) => {
        let buf = '';
        res.on('data', (c) => {
          buf += c;
          if (buf.includes('event: run')) {
            req.destroy();
            ok(buf);
          }
        });
      });
      req.on('error', () => undefined);
      req.end();
      setTimeout(
        () => appendFileSync(join(good, 'metrics.jsonl'), '{"type":"train","step":5000,"loss":7}\n'),
        300,
      );
      setTimeout(() => fail(new Error('no event within 5 s')), 5000);
    });
    assert.match(announced, new RegExp(`data: \\{"id":"${id}"\\}`));
    const after = JSON.parse((await get(d, `/api/runs/${id}/data?key=type%3Dtrain%20loss&buckets=100`)).body);
    assert.equal(after.points, 5001);
    assert.equal(Math.max(...after.y), 7);

    // Six requests at once read the file once between them: no point counted twice.
    const counts = await Promise.all(
      Array.from({ length: 6 }, () => get(d, `/api/runs/${id}/data?key=type%3Dtrain%20loss&buckets=2000`)),
    );
    for (const c of counts) assert.equal(JSON.parse(c.body).points, 5001);
    // Fractional buckets are floored: at most 4 points per whole bucket.
    const frac = JSON.parse((await get(d, `/api/runs/${id}/data?key=type%3Dtrain%20loss&buckets=2.5`)).body);
    assert.ok(frac.y.length <= 8, `${frac.y.length} points`);
    // Smoothing is applied on the server before the reduction.
    const smooth = JSON.parse(
      (await get(d, `/api/runs/${id}/data?key=type%3Dtrain%20loss&buckets=10000&smoothing=0.5`)).body,
    );
    assert.equal(smooth.y[0], 1);
    // Debiased EMA of 1, 0.5 with weight 0.5: (0.5 * 0.5 + 0.5 * 0.5) / (1 - 0.25).
    assert.ok(Math.abs(smooth.y[1] - 0.5 / 0.75) < 1e-12, `${smooth.y[1]}`);

    // A replaced file (resume trims metrics by an atomic rename) is read again from its start.
    const replacement = join(good, 'metrics.new');
    writeFileSync(
      replacement,
      Array.from({ length: 6000 }, (_, i) => JSON.stringify({ type: 'train', step: i, loss: 2 })).join('\n') +
        '\n',
    );
    renameSync(replacement, join(good, 'metrics.jsonl'));
    const replaced = JSON.parse(
      (await get(d, `/api/runs/${id}/data?key=type%3Dtrain%20loss&buckets=100`)).body,
    );
    assert.equal(replaced.points, 6000);
    assert.equal(Math.max(...replaced.y), 2);
    assert.equal(Math.min(...replaced.y), 2);

    // The chart as SVG for papers, from the same reduction.
    const svg = await get(d, `/api/plot.svg?ids=${id}&key=type%3Dtrain%20loss&width=300`);
    assert.equal(svg.status, 200);
    assert.match(String(svg.headers['content-type']), /^image\/svg\+xml/);
    assert.match(svg.body, /^<svg /);
    assert.equal(
      (await get(d, `/api/plot.svg?ids=${id},0123456789abcdef&key=type%3Dtrain%20loss`)).status,
      404,
    );

    // A page on another site is refused even with a loopback Host.
    assert.equal((await get(d, '/api/runs', { 'Sec-Fetch-Site': 'cross-site' })).status, 403);
  } finally {
    await d.close();
  }
});

test('the live-network page, its scripts, the WASM kernels and MNIST digits are served; bad counts refused', async () => {
  const d = await startDashboard({ dirs: [mkdtempSync(join(tmpdir(), 'np-dash-live-'))], port: 0 });
  try {
    const page = await get(d, '/live');
    assert.equal(page.status, 200);
    assert.match(page.body, /<script src="\/assets\/live.js" defer><\/script>/);
    assert.equal(page.headers['cross-origin-embedder-policy'], 'require-corp');
    for (const [path, type] of [
      ['/assets/live.js', 'text/javascript; charset=utf-8'],
      ['/assets/live-worker.js', 'text/javascript; charset=utf-8'],
      ['/assets/neuroplast.mjs', 'text/javascript; charset=utf-8'],
      ['/assets/kernels.wasm', 'application/wasm'],
    ]) {
      const r = await fetch(new URL(path, d.url));
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get('content-type'), type, path);
      assert.ok((await r.arrayBuffer()).byteLength > 1000, path);
    }
    const r = await fetch(new URL('/api/live/digits?count=3', d.url));
    assert.equal(r.status, 200);
    const body = new Uint8Array(await r.arrayBuffer());
    assert.equal(body.length, 4 + 3 + 3 * 784);
    assert.equal(new DataView(body.buffer).getUint32(0, true), 3);
    // The first MNIST training labels are 5, 0, 4 (LeCun's train-labels-idx1-ubyte).
    assert.deepEqual([...body.subarray(4, 7)], [5, 0, 4]);
    assert.ok(body.subarray(7).some((v) => v > 0));
    for (const bad of ['0', '2001', 'abc', '1.5', ''])
      assert.equal((await get(d, `/api/live/digits?count=${bad}`)).status, 400, bad);
  } finally {
    await d.close();
  }
});

test("a grid's cells are served for the accuracy matrix: damaged ones named, links not followed", async () => {
  const root = mkdtempSync(join(tmpdir(), 'np-dash-cells-'));
  const run = join(root, 'grid');
  mkdirSync(join(run, 'cells'), { recursive: true });
  writeFileSync(join(run, 'config.json'), JSON.stringify({ name: 'grid', task: { kind: 'continual' } }));
  writeFileSync(join(run, 'run.json'), JSON.stringify({ status: 'completed' }));
  const cell = {
    method: 'ewc',
    scenario: 'class',
    seed: 0,
    contexts: [
      [0, 1],
      [2, 3],
    ],
    accuracy: [
      [1, 0],
      [0.5, 0.9],
    ],
  };
  writeFileSync(join(run, 'cells', 'ewc-class-s0.json'), JSON.stringify({ ...cell, finalLoss: [1, 2] }));
  writeFileSync(join(run, 'cells', 'ewc-class-s1.json'), '{"method": "ewc", "accura');
  // Readable but not a matrix: named with the reason, its data not passed on.
  writeFileSync(
    join(run, 'cells', 'ewc-class-s3.json'),
    JSON.stringify({ method: 'ewc', scenario: 'class', accuracy: [[1, 0]], contexts: 'x'.repeat(100) }),
  );
  const secret = join(root, 'secret.json');
  writeFileSync(secret, JSON.stringify({ method: 'leaked', scenario: 'class', accuracy: [[1]] }));
  symlinkSync(secret, join(run, 'cells', 'link-s2.json'));
  // A run whose cells folder is a link elsewhere: nothing is read through it.
  const other = join(root, 'other');
  mkdirSync(other);
  writeFileSync(join(other, 'config.json'), JSON.stringify({ name: 'other', task: { kind: 'continual' } }));
  writeFileSync(join(other, 'run.json'), JSON.stringify({ status: 'completed' }));
  symlinkSync(join(run, 'cells'), join(other, 'cells'));
  const d = await startDashboard({ dirs: [root], port: 0 });
  try {
    const runs = JSON.parse((await get(d, '/api/runs')).body).runs as { id: string; name: string }[];
    const id = (name: string) => runs.find((r) => r.name === name)!.id;
    const r = JSON.parse((await get(d, `/api/runs/${id('grid')}/cells`)).body);
    assert.equal(r.truncated, false);
    assert.deepEqual(r.cells[0], { name: 'ewc-class-s0.json', ...cell, modulated: false });
    assert.equal(r.cells[1].name, 'ewc-class-s1.json');
    assert.match(r.cells[1].error, /ewc-class-s1\.json/);
    assert.deepEqual(r.cells[2], {
      name: 'ewc-class-s3.json',
      error: 'accuracy: expected a square matrix of numbers, 1 to 100 contexts per side',
    });
    assert.equal(r.cells.length, 3, 'the linked cell is not listed');
    assert.deepEqual(JSON.parse((await get(d, `/api/runs/${id('other')}/cells`)).body), {
      cells: [],
      truncated: false,
    });
  } finally {
    await d.close();
  }
});

test('run files that are links or FIFOs are not followed or waited on', async () => {
  const { root, bad } = runsFolder();
  const secret = join(root, 'secret.txt');
  writeFileSync(secret, 'SECRET-CONTENT');
  const linked = join(root, 'linked');
  mkdirSync(linked);
  writeFileSync(join(linked, 'metrics.jsonl'), '');
  symlinkSync(secret, join(linked, 'report.html'));
  symlinkSync(secret, join(linked, 'summary.json'));
  // A FIFO as run.json: opening it for reading would block for ever.
  const fifo = spawnSync('mkfifo', [join(bad, 'run.json.fifo')]);
  if (fifo.status === 0) renameSync(join(bad, 'run.json.fifo'), join(bad, 'run.json'));
  const d = await startDashboard({ dirs: [root], port: 0 });
  try {
    const runs = JSON.parse((await get(d, '/api/runs')).body).runs as { id: string; label: string }[];
    const id = runs.find((r) => r.label === 'linked')!.id;
    const report = await get(d, `/api/runs/${id}/report`);
    assert.equal(report.status, 404);
    assert.ok(!report.body.includes('SECRET'));
    assert.ok(!(await get(d, `/api/runs/${id}`)).body.includes('SECRET'));
    assert.equal((await get(d, `/api/runs/${runs.find((r) => r.label === 'alpha')!.id}`)).status, 200);
  } finally {
    await d.close();
  }
});

test('a dashboard on another address than loopback asks for its token', async () => {
  const { root } = runsFolder();
  const token = 'abcdefghijklmnop0123';
  // 127.0.0.2 is loopback to the kernel but not a name the server trusts without a token.
  const d = await startDashboard({ dirs: [root], port: 0, host: '127.0.0.2', token });
  try {
    assert.equal((await get(d, '/api/runs')).status, 401);
    assert.equal((await get(d, '/api/runs?token=wrong-token-0123456')).status, 401);
    const first = await get(d, `/?token=${token}`);
    assert.equal(first.status, 200);
    const cookie = String(first.headers['set-cookie']).split(';')[0];
    assert.match(cookie, /^neuroplast_token_\d+=/, 'a cookie per port');
    // A stale token in the URL does not hide a valid cookie.
    assert.equal((await get(d, '/api/runs?token=stale-token-000000000', { Cookie: cookie })).status, 200);
    assert.equal((await get(d, '/api/runs', { Cookie: cookie })).status, 200);
    assert.equal((await get(d, '/api/runs', { Authorization: `Bearer ${token}` })).status, 200);
  } finally {
    await d.close();
  }
  await assert.rejects(
    startDashboard({ dirs: [root], port: 0, host: '127.0.0.2', token: 'short' }),
    /--token/,
  );
});

test('neuroplast dashboard: serves until SIGTERM; a missing folder or a taken port is one line and exit 2', async () => {
  const { root } = runsFolder();
  const child = spawn(process.execPath, [CLI, 'dashboard', root, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = /dashboard: (http:\/\/\S+)/.exec(out);
      if (m) ok(m[1]);
    });
    child.on('exit', () => fail(new Error(`exited early: ${out}`)));
  });
  const res = await fetch(`${url}api/runs`);
  assert.equal(res.status, 200);
  const taken = spawnSync(process.execPath, [CLI, 'dashboard', root, '--port', new URL(url).port], {
    encoding: 'utf8',
  });
  assert.equal(taken.status, 2);
  assert.match(
    taken.stderr.trim(),
    /^neuroplast: error: dashboard: cannot listen on 127\.0\.0\.1:\d+: the port is in use/,
  );
  const code = new Promise<number | null>((ok) => child.on('exit', (c) => ok(c)));
  child.kill('SIGTERM');
  assert.equal(await code, 0);
  const missing = spawn(process.execPath, [CLI, 'dashboard', join(root, 'nope')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  missing.stderr.on('data', (c) => (err += c));
  const status = await new Promise<number | null>((ok) => missing.on('exit', (c) => ok(c)));
  assert.equal(status, 2);
  assert.match(err.trim(), /^neuroplast: error: dashboard: .*nope: no such directory$/);
});

test('neuroplast plot writes a chart of runs as SVG, labels escaped; unknown views, keys and formats are one line', async () => {
  const { root, good } = runsFolder();
  appendFileSync(
    join(good, 'metrics.jsonl'),
    '{"type":"<b>x</b>","step":1,"loss":3}\n{"type":"<b>x</b>","step":2,"loss":4}\n',
  );
  const out = join(root, 'fig.svg');
  const drawn = await plotRuns([good], 'scalars', { key: 'type=train loss', out, width: 200 });
  assert.ok(drawn[good] <= 800 && drawn[good] > 100, `${drawn[good]} points`);
  const svg = readFileSync(out, 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<polyline|<path/);
  await plotRuns([good], 'scalars', { key: 'type=<b>x</b> loss', out });
  const escaped = readFileSync(out, 'utf8');
  assert.ok(escaped.includes('type=&lt;b&gt;x&lt;/b&gt; loss') && !escaped.includes('<b>'));
  for (const args of [
    ['plot', 'bogus', good, '--key', 'a', '--out', out],
    ['plot', 'scalars', good, '--key', 'missing', '--out', out],
    ['plot', 'scalars', good, '--key', 'type=train loss', '--out', join(root, 'fig.png')],
    ['plot', 'scalars', join(root, 'nope'), '--key', 'a', '--out', out],
  ]) {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    assert.notEqual(r.status, 0, args.join(' '));
    assert.match(r.stderr.trim(), /^neuroplast: error: [^\n]+$/, r.stderr);
  }
});

test('neuroplast report A B --out: a comparison with what differs, last values, shared curves; names escaped', async () => {
  const root = mkdtempSync(join(tmpdir(), 'np-compare-'));
  const make = (
    name: string,
    lr: number,
    losses: number[],
    acc: number[],
    folder = name.replace(/\W/g, '_'),
  ) => {
    const dir = join(root, folder);
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ name, seed: 1, learner: { lr, batch: 32 } }));
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ status: 'completed' }));
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ kind: 'x', accuracy: acc[0] }));
    writeFileSync(
      join(dir, 'metrics.jsonl'),
      losses.map((l, i) => JSON.stringify({ type: 'train', step: i, loss: l })).join('\n') +
        '\n' +
        acc.map((a, seed) => JSON.stringify({ type: 'cell', method: 'm', seed, acc: a })).join('\n') +
        '\n',
    );
    return dir;
  };
  const a = make('<script>alert(1)</script>', 0.001, [2, 1, 0.5], [0.5, 0.7]);
  // A folder name and a metric name with markup: both reach the tables and the chart's legend and title.
  const b = make('b', 0.01, [2, 1.5, 1.25, 1], [0.9], '<img src=x onerror=alert(1)>');
  appendFileSync(join(a, 'metrics.jsonl'), '{"type":"<i>t</i>","step":1,"v":1}\n');
  appendFileSync(join(b, 'metrics.jsonl'), '{"type":"<i>t</i>","step":1,"v":2}\n');
  const out = join(root, 'compare.html');
  const r = await compareRuns([a, b], { out });
  assert.deepEqual(r, { runs: 2, charts: 2, differingConfig: 2 });
  const page = readFileSync(out, 'utf8');
  assert.ok(!/<script>|<img|<i>/.test(page), 'no markup from run files');
  assert.match(page, /&lt;img src=x onerror=alert\(1\)&gt;/);
  assert.match(page, /type=&lt;i&gt;t&lt;\/i&gt; v/);
  assert.match(page, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  // What differs (lr, name) is listed; what is the same (seed, batch) is not.
  assert.match(page, /<th>learner\.lr<\/th><td>0\.001<\/td><td>0\.01<\/td>/);
  assert.doesNotMatch(page, /<th>learner\.batch<\/th>/);
  // Last values, and cells as mean ± sd (n) over seeds.
  assert.match(page, /<th>type=train loss<\/th><td>0\.5000<\/td><td>1<\/td>/);
  assert.match(
    page,
    /<th>type=cell method=m acc<\/th><td>0\.6000 ± 0\.1414 \(2\)<\/td><td>0\.9000 ± 0 \(1\)<\/td>/,
  );
  assert.equal((page.match(/<svg /g) ?? []).length, 2, 'the shared curves drawn, the cells not');
  // One-line errors, exit 2: one run, a missing run, a name not ending in .html.
  for (const [args, message] of [
    [[a, '--out', out], /--out and --smoothing are for comparing two or more runs/],
    [[a, join(root, 'missing'), '--out', out], /missing: expected a run directory, found nothing/],
    [[a, b, '--out', join(root, 'x.svg')], /expected a file name ending in \.html/],
    [[a, b], /comparing runs needs --out FILE\.html/],
  ] as const) {
    const res = spawnSync(process.execPath, [CLI, 'report', ...args], { encoding: 'utf8' });
    assert.equal(res.status, 2, res.stderr);
    assert.match(res.stderr, message);
    assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
  }
  // The dashboard's grouped curve over the same two runs: the mean at each step, n where only one run has it.
  const d = await startDashboard({ dirs: [root], port: 0 });
  try {
    const runs = JSON.parse((await get(d, '/api/runs')).body).runs as { id: string; label: string }[];
    const ids = runs.map((r) => r.id).join(',');
    const g = JSON.parse(
      (await get(d, `/api/group?ids=${ids}&key=${encodeURIComponent('type=train loss')}`)).body,
    );
    assert.deepEqual(
      { runs: g.runs, x: g.x, mean: g.mean, n: g.n },
      { runs: 2, x: [0, 1, 2, 3], mean: [2, 1.25, 0.875, 1], n: [2, 2, 2, 1] },
    );
    assert.equal((await get(d, `/api/group?ids=${ids},0123456789abcdef&key=x`)).status, 404);
  } finally {
    await d.close();
  }
  const ok = spawnSync(process.execPath, [CLI, 'report', a, b, '--out', out, '--smoothing', '0.5'], {
    encoding: 'utf8',
  });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /2 runs, 2 config fields differ, 2 shared metrics drawn/);
});
