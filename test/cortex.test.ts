import assert from 'node:assert/strict';
import { appendFileSync, cpSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildV1Column,
  classSizes,
  describeColumn,
  expectedInDegree,
  loadV1Tables,
  CORE_NEURONS,
  V1_CLASS_COUNT,
  type V1Tables,
  downloadV1,
  V1_DERIVED_FILES,
  V1_UPSTREAM_FILES,
} from '../src/cortex/index.js';
import { Rng } from '../src/util/rng.js';
import { sha256File } from '../src/data/index.js';
import { runCli, serve, SHARED, tempDir, testNeeding } from './helpers.js';

const V1 = join(SHARED, 'v1');
let cached: Promise<V1Tables> | null = null;
const tables = () => (cached ??= loadV1Tables());

/** A writable copy of the derived tables whose `file` has `edit` applied (checksums then fail unless turned off). */
function editedCopy(file: string, edit: (text: string) => string): string {
  const dir = tempDir('np-v1-');
  cpSync(join(V1, 'derived'), join(dir, 'derived'), { recursive: true });
  const path = join(dir, 'derived', file);
  chmodSync(path, 0o644);
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
  return dir;
}

testNeeding(
  ['v1-tables'],
  'V1 tables: 17 classes (51,978 in the core, 83.5% excitatory), 289 pairs, checked',
  async () => {
    const t = await tables();
    assert.equal(t.classes.length, 17);
    const total = t.classes.reduce((s, c) => s + c.nCore, 0);
    assert.equal(total, CORE_NEURONS);
    const exc = t.classes.filter((c) => c.ei === 'E').reduce((s, c) => s + c.nCore, 0);
    assert.equal((exc / total).toFixed(3), '0.835');
    assert.equal(t.connections.length, 289);
    assert.equal(t.synapses.filter((s) => s.nNonzero > 0).length, 187);
    // Dale: every weight's sign is its presynaptic class's (the loader refuses otherwise), stored as signed pA.
    for (const s of t.synapses)
      if (s.nNonzero > 0) assert.ok(t.classes[s.pre].ei === 'E' ? s.weightMeanPa > 0 : s.weightMeanPa < 0);
    assert.deepEqual(
      t.glif.map((g) => g.classId),
      t.classes.map((c) => c.id),
    );
    assert.ok(t.glif.every((g) => g.vResetMv < g.vThreshMv && g.cmPf > 0));
    assert.ok(t.rates.every((r) => r.spontaneous.p10 <= r.spontaneous.median));
  },
);

testNeeding(['v1-tables'], 'V1 tables: bad tables are refused naming file, entry and value', async () => {
  const changed = editedCopy('connection_17x17.csv', (t) =>
    t.replace('\n0,L1 Htr3a,1,L2/3 Exc,0.356,', '\n0,L1 Htr3a,1,L2/3 Exc,1.356,'),
  );
  await assert.rejects(
    loadV1Tables({ dir: changed }),
    /connection_17x17\.csv: SHA-256 [0-9a-f]{64} does not match the pinned b309eadb/,
  );
  await assert.rejects(
    loadV1Tables({ dir: changed, verifyChecksums: false }),
    /connection_17x17\.csv: line 3, A_literature: expected a probability in \[0, 1\], found "1\.356"/,
  );
  const missing = editedCopy('connection_17x17.csv', (t) => t.replace(/\n3,L2\/3 Pvalb,5,L4 Exc,[^\n]*/, ''));
  await assert.rejects(
    loadV1Tables({ dir: missing, verifyChecksums: false }),
    /connection_17x17\.csv: class pair 3 -> 5 is missing \(expected all 289\)/,
  );
  const dale = editedCopy('syn_weights_17x17.csv', (t) =>
    t.replace(/\n(1,L2\/3 Exc,1,L2\/3 Exc,\d+,\d+,\d+,\d+,)/, '\n$1-'),
  );
  await assert.rejects(
    loadV1Tables({ dir: dale, verifyChecksums: false }),
    /syn_weights_17x17\.csv: line \d+, syn_weight_mean_pA: expected a weight >= 0 \(Dale: excitatory presynaptic class\), found "-/,
  );
  await assert.rejects(loadV1Tables({ dir: tempDir() }), /derived\/classes\.csv: not found/);
});

testNeeding(
  ['v1-tables'],
  'V1 column: class proportions, determinism, Dale, and a refused size beyond memory',
  async () => {
    const t = await tables();
    const sizes = classSizes(t, 5000);
    assert.equal(
      sizes.reduce((s, n) => s + n, 0),
      5000,
    );
    for (const n of [17, 20, 40, 1001])
      assert.equal(
        classSizes(t, n).reduce((s, k) => s + k, 0),
        n,
        `${n} neurons`,
      );
    sizes.forEach((n, c) =>
      assert.ok(Math.abs(n - (5000 * t.classes[c].nCore) / CORE_NEURONS) <= 1, `class ${c}: ${n}`),
    );
    const a = buildV1Column(t, { neurons: 3000, seed: 4 });
    const b = buildV1Column(t, { neurons: 3000, seed: 4 });
    const c = buildV1Column(t, { neurons: 3000, seed: 5 });
    assert.deepEqual(describeColumn(a), describeColumn(b));
    assert.deepEqual(a.pathways[7].preIndex, b.pathways[7].preIndex);
    assert.deepEqual(a.pathways[7].weightPa, b.pathways[7].weightPa);
    assert.notDeepEqual(a.pathways[7].preIndex, c.pathways[7].preIndex);
    for (const p of a.pathways) {
      assert.equal(p.excitatory, t.classes[p.pre].ei === 'E');
      assert.ok(
        p.weightPa.every((w) => w > 0),
        `${p.pre}->${p.post}: weight magnitudes`,
      );
    }
    assert.throws(
      () => buildV1Column(t, { neurons: 230_924, seed: 0, memoryLimitBytes: 1e8 }),
      /neurons: a 230,924-neuron column needs about \d+\.\d+ GiB \([\d,]+ connections\), only 0\.09 GiB free/,
    );
    assert.throws(() => buildV1Column(t, { neurons: 3.5, seed: 0 }), /neurons: expected an integer from 17/);
  },
);

testNeeding(
  ['v1-tables'],
  "V1 column: connections follow Billeh's rule in distance and orientation (every pair counted)",
  async () => {
    const t = await tables();
    const col = buildV1Column(t, { neurons: 5000, seed: 2 });
    // L2/3 Exc -> L2/3 Exc: Gaussian in distance with the orientation term (B_ratio 0.5).
    const pathway = col.pathways.find((p) => p.pre === 1 && p.post === 1)!;
    const rule = t.connections[1 * V1_CLASS_COUNT + 1];
    assert.equal(rule.bRatio, 0.5);
    const cls = col.classes[1];
    const b1 = 2 / (1 + rule.bRatio!);
    const g = (rule.bRatio! * b1 - b1) / 90;
    const bins = 6;
    const width = 40;
    const expected = new Float64Array(bins);
    const pairs = new Float64Array(bins);
    const likeExpected = [0, 0];
    const likePairs = [0, 0];
    const orientation = (i: number, j: number) => {
      const d = Math.abs(cls.tuningDeg[i] - cls.tuningDeg[j]) % 360;
      const dir = Math.min(d, 360 - d);
      return Math.min(dir, 180 - dir);
    };
    // The exact probability of every ordered pair, binned by distance and by orientation difference.
    for (let i = 0; i < cls.size; i++)
      for (let j = 0; j < cls.size; j++) {
        if (i === j) continue;
        const r = Math.hypot(cls.xUm[i] - cls.xUm[j], cls.yUm[i] - cls.yUm[j]);
        const dphi = orientation(i, j);
        const p = Math.min(
          1,
          pathway.probabilityScale * rule.pPeak * Math.exp(-((r / rule.sigmaUm) ** 2)) * (b1 + g * dphi),
        );
        const bin = Math.floor(r / width);
        if (bin < bins) {
          expected[bin] += p;
          pairs[bin]++;
        }
        const o = dphi < 20 ? 0 : dphi > 70 ? 1 : -1;
        if (o >= 0) {
          likeExpected[o] += p;
          likePairs[o]++;
        }
      }
    const found = new Float64Array(bins);
    const foundOri = [0, 0];
    for (let k = 0; k < pathway.preIndex.length; k++) {
      const i = pathway.preIndex[k];
      const j = pathway.postIndex[k];
      const bin = Math.floor(Math.hypot(cls.xUm[i] - cls.xUm[j], cls.yUm[i] - cls.yUm[j]) / width);
      if (bin < bins) found[bin]++;
      const dphi = orientation(i, j);
      if (dphi < 20) foundOri[0]++;
      else if (dphi > 70) foundOri[1]++;
    }
    for (let b = 0; b < bins; b++) {
      if (expected[b] < 400) continue;
      // Poisson-binomial counts: within 4 standard deviations of the expected count.
      assert.ok(
        Math.abs(found[b] - expected[b]) < 4 * Math.sqrt(expected[b]),
        `bin ${b}: ${found[b]} vs ${expected[b].toFixed(1)}`,
      );
    }
    for (const o of [0, 1])
      assert.ok(
        Math.abs(foundOri[o] - likeExpected[o]) < 4 * Math.sqrt(likeExpected[o]),
        `orientation ${o}: ${foundOri[o]} vs ${likeExpected[o]}`,
      );
    // Like-tuned pairs connect more often than orthogonal ones, as B_ratio says.
    assert.ok(foundOri[0] / likePairs[0] > 1.3 * (foundOri[1] / likePairs[1]));
  },
);

testNeeding(
  ['v1-tables'],
  'V1 column: the in-degree integral matches Monte Carlo; smaller networks keep the core in-degree',
  async () => {
    const t = await tables();
    const rng = new Rng(9);
    for (const k of [1 * 17 + 1, 3 * 17 + 5, 13 * 17 + 16]) {
      const rule = t.connections[k];
      const radius = 150;
      let sum = 0;
      const n = 200_000;
      for (let s = 0; s < n; s++) {
        const point = () => {
          const r = radius * Math.sqrt(rng.float());
          const a = 2 * Math.PI * rng.float();
          return [r * Math.cos(a), r * Math.sin(a)];
        };
        const [x1, y1] = point();
        const [x2, y2] = point();
        const d = Math.hypot(x1 - x2, y1 - y2);
        const dphi = 90 * rng.float();
        const b1 = rule.bRatio === null ? 1 : 2 / (1 + rule.bRatio);
        const g = rule.bRatio === null ? 0 : (rule.bRatio * b1 - b1) / 90;
        if (d <= 3 * rule.sigmaUm)
          sum += Math.min(1, 2 * rule.pPeak * Math.exp(-((d / rule.sigmaUm) ** 2)) * (b1 + g * dphi));
      }
      const mc = (100 * sum) / n;
      const integral = expectedInDegree(rule, 100, radius, 2);
      assert.ok(Math.abs(integral / mc - 1) < 0.01, `pair ${k}: integral ${integral} vs Monte Carlo ${mc}`);
    }
    const col = buildV1Column(t, { neurons: 4000, seed: 1 });
    let checked = 0;
    for (const p of col.pathways) {
      const measured = p.preIndex.length / col.classes[p.post].size;
      if (p.weightScale === 1 && p.coreInDegree > 10 && col.classes[p.post].size >= 100) {
        assert.ok(
          Math.abs(measured / p.coreInDegree - 1) < 0.1,
          `${p.pre}->${p.post}: ${measured} vs core ${p.coreInDegree}`,
        );
        checked++;
      }
      // Where the cap at probability 1 leaves in-degree missing, weights carry the rest of the core's input.
      assert.ok(
        Math.abs((p.expectedInDegree * p.weightScale) / p.coreInDegree - 1) < 1e-6 ||
          p.expectedInDegree >= p.coreInDegree * 0.999,
      );
    }
    assert.ok(checked > 20, `${checked} pathways checked`);
  },
);

testNeeding(
  ['v1-tables'],
  'neuroplast v1 describe --json prints the classes as built and mean in-degrees',
  async () => {
    const r = await runCli(['v1', 'describe', '--neurons', '1500', '--seed', '3', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.neurons, 1500);
    assert.equal(d.classes.length, 17);
    assert.equal(
      d.classes.reduce((s: number, c: { count: number }) => s + c.count, 0),
      1500,
    );
    // 187 pairs have Billeh weights; 51 of them have no probability in the connection table (MANIFEST caveats).
    assert.equal(d.pathways.length, 136);
    assert.ok(d.pathways.every((p: { meanInDegree: number }) => p.meanInDegree >= 0));
    assert.ok(d.synapses >= 3 * d.connections && d.synapses <= 7 * d.connections);
    const bad = await runCli(['v1', 'describe', '--neurons', '2', '--json']);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /^neuroplast: error: neurons: expected an integer from 17 to 461848, found 2\n$/,
    );
  },
);

testNeeding(
  ['v1-tables'],
  'data download v1: the upstream copies, SHA-256 checked, from a mirror; a changed file refused',
  async () => {
    const { url, server } = await serve(SHARED);
    try {
      const cacheDir = tempDir('np-v1-cache-');
      const env = { cacheDir, systemDirs: false, offline: false, mirror: url };
      const first = await downloadV1(env);
      assert.equal(first.downloaded.length, V1_UPSTREAM_FILES.length);
      for (const f of V1_UPSTREAM_FILES)
        assert.equal(await sha256File(join(first.dir, f.path)), f.sha256, f.path);
      assert.deepEqual((await downloadV1(env)).downloaded, [], 'verified files are kept');
      // A cached file that changed is refused, naming it.
      const changed = join(first.dir, V1_UPSTREAM_FILES[0].path);
      appendFileSync(changed, ' ');
      await assert.rejects(downloadV1(env), new RegExp(`${V1_UPSTREAM_FILES[0].path}: SHA-256 .* expected`));
      // Offline, nothing is fetched.
      await assert.rejects(downloadV1({ ...env, offline: true }), /downloads are disabled/);
      // Through the CLI, with the mirror flag.
      const cli = await runCli(['data', 'download', 'v1', '--mirror', url], {
        NEUROPLAST_CACHE: tempDir('np-v1-cli-'),
      });
      assert.equal(cli.code, 0, cli.stderr);
      assert.match(
        cli.stdout,
        new RegExp(
          `v1: ${V1_UPSTREAM_FILES.length} upstream files verified .*derived tables must be rebuilt`,
        ),
      );
    } finally {
      server.close();
    }
    // Every copied file of the manifest is in the list, with the manifest's checksum.
    const manifest = JSON.parse(readFileSync(join(V1, 'manifest.json'), 'utf8')) as {
      files: { path: string; kind: string; sha256: string }[];
    };
    assert.deepEqual(
      manifest.files.filter((f) => f.kind === 'copy').map((f) => [f.path, f.sha256]),
      V1_UPSTREAM_FILES.map((f) => [f.path, f.sha256]),
    );
    assert.deepEqual(
      manifest.files.filter((f) => f.kind !== 'copy').map((f) => f.path),
      [...V1_DERIVED_FILES],
    );
  },
);
