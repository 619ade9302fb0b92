import assert from 'node:assert/strict';
import { chmodSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  buildLgnModel,
  cosineBumpKernel,
  datasetImage,
  describeLgnUnit,
  driftingGrating,
  grayImageFromBytes,
  grayScreen,
  lgnRates,
  lgnTargets,
  lgnUnitKernels,
  loadLgnTables,
  loadV1Tables,
  LgnPoissonSource,
  stillImage,
  stimulusSequence,
  unitRates,
  LGN_FULL_UNITS,
  LGN_TEMPLATE_SHA256,
  type LgnModel,
  type LgnTables,
} from '../src/cortex/index.js';
import { loadDataset } from '../src/data/index.js';
import type { LabeledImageDataset } from '../src/data/dataset.js';
import { Network } from '../src/spiking/network.js';
import { Rng } from '../src/util/rng.js';
import { SHARED, tempDir, testNeeding } from './helpers.js';

const V1 = join(SHARED, 'v1');
let cached: Promise<LgnTables> | null = null;
const tables = () => (cached ??= loadLgnTables());
/** A 3 x 2 tile model (696 units over 48 x 24 deg): every type, in seconds of CPU. */
const small = async (seed = 1) => buildLgnModel(await tables(), { seed, tilesX: 3, tilesY: 2 });

/** A writable copy of the LGN tables with `file` (relative to the folder) edited. */
function editedCopy(file: string, edit: (text: string) => string): string {
  const dir = tempDir('np-lgn-');
  for (const sub of ['derived', 'lgn']) cpSync(join(V1, sub), join(dir, sub), { recursive: true });
  const path = join(dir, file);
  chmodSync(path, 0o644);
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
  return dir;
}

/** FilterNet's bump, written out from its definition (ln spacing of its 100-200 ms basis range, offset 0.3 ms). */
function bump(x: number, kpeak: number): number {
  const db = Math.log(200.3 / 100.3);
  const arg = Math.min(
    Math.PI,
    Math.max(-Math.PI, ((Math.log(x + 0.3) - Math.log(kpeak)) * Math.PI) / (2 * db)),
  );
  return (Math.cos(arg) + 1) / 2;
}

testNeeding(
  ['v1-tables'],
  'LGN tables: 14 types, 116 units per tile, 17,400 at full scale, sizes and jitter by the rules',
  async () => {
    const t = await tables();
    assert.equal(t.types.length, 14);
    assert.equal(
      t.types.reduce((s, x) => s + x.nPerTile, 0),
      116,
    );
    const full = buildLgnModel(t, { seed: 3 });
    assert.equal(full.size, 17_400);
    assert.equal(full.size, LGN_FULL_UNITS);
    assert.deepEqual([full.fieldWidthDeg, full.fieldHeightDeg], [240, 120]);
    t.types.forEach((type, k) => {
      let n = 0;
      for (let i = 0; i < full.size; i++) {
        if (full.typeIndex[i] !== k) continue;
        n++;
        assert.ok(full.sizeDeg[i] >= type.minSizeDeg && full.sizeDeg[i] <= type.maxSizeDeg);
        assert.ok(full.xDeg[i] >= 0 && full.xDeg[i] < 240 && full.yDeg[i] >= 0 && full.yDeg[i] < 120);
        const k0 = full.dominant.kpeak0Ms[i] / type.dominant.kpeaksMs[0];
        assert.ok(k0 >= 0.975 && k0 <= 1.025, `${type.id} kpeak jitter ${k0}`);
        assert.equal(Number.isNaN(full.tuningDeg[i]), type.subunits === 1);
      }
      assert.equal(n, type.nPerTile * 150, type.id);
    });
    // One tile's units lie in that tile: 116 in [0, 16) x [0, 12).
    let inFirstTile = 0;
    for (let i = 0; i < full.size; i++) if (full.xDeg[i] < 16 && full.yDeg[i] < 12) inFirstTile++;
    assert.equal(inFirstTile, 116);
    // Scaled down: 29 units per tile keep the proportions (largest remainders) and the total.
    const quarter = buildLgnModel(t, { seed: 3, unitsPerTile: 29, tilesX: 2, tilesY: 2 });
    assert.equal(quarter.size, 116);
    assert.equal(quarter.perTile[t.types.findIndex((x) => x.id === 'sON_TF8')], 4);
    // The triangular size rule: mode min + 1, mean (min + min + 1 + max) / 3 = 4.67 deg for 2-9 deg.
    let sum = 0;
    let count = 0;
    for (let i = 0; i < full.size; i++)
      if (t.types[full.typeIndex[i]].sizeRule === 'triangular') {
        sum += full.sizeDeg[i];
        count++;
      }
    assert.ok(Math.abs(sum / count - 14 / 3) < 0.05, `mean size ${sum / count}`);
    const same = buildLgnModel(t, { seed: 3 });
    assert.deepEqual(same.xDeg, full.xDeg);
    assert.deepEqual(same.dominant.amplitude, full.dominant.amplitude);
  },
);

testNeeding(
  ['v1-tables'],
  'LGN tables: a changed template fails its checksum; a bad value is named',
  async () => {
    const template = 'lgn/model_templates/sON_TF4_3.5_-2.0_30.0_60.0_25.0_ic.json';
    assert.ok(template in LGN_TEMPLATE_SHA256);
    const changed = editedCopy(template, (s) => s.replaceAll('30.758868538755', '31.758868538755'));
    await assert.rejects(
      loadLgnTables({ dir: changed }),
      /sON_TF4_3\.5_-2\.0_30\.0_60\.0_25\.0_ic\.json: SHA-256 [0-9a-f]{64} does not match the pinned 49a5d978/,
    );
    await assert.rejects(
      loadLgnTables({ dir: changed, verifyChecksums: false }),
      /lgn_params\.csv: line 4, dom_kpeak_0: expected 31\.758868538755 \(opt_kpeaks\[0\] of lgn\/model_templates\/sON_TF4_.*\), found "30\.758869"/,
    );
    const bad = editedCopy('derived/lgn_params.csv', (s) => s.replace(',12.941033,', ',-12.941033,'));
    await assert.rejects(
      loadLgnTables({ dir: bad }),
      /lgn_params\.csv: SHA-256 .* does not match the pinned b5168a69/,
    );
    await assert.rejects(
      loadLgnTables({ dir: bad, verifyChecksums: false }),
      /lgn_params\.csv: line 5, dom_kpeak_0: expected a positive time, found "-12\.941033"/,
    );
    const count = editedCopy('lgn/lgn_models.csv', (s) => s.replace('sON_TF8 15 e', 'sON_TF8 16 e'));
    await assert.rejects(
      loadLgnTables({ dir: count, verifyChecksums: false }),
      /lgn_models\.csv: line 5, N: expected 15 \(n_per_tile of sON_TF8\), found "16"/,
    );
  },
);

testNeeding(
  ['v1-tables'],
  "LGN temporal kernel: FilterNet's two-bump definition; ON and OFF signs; transient kernels integrate near zero",
  async () => {
    const t = await tables();
    for (const type of t.types) {
      for (const p of type.nonDominant ? [type.dominant, type.nonDominant] : [type.dominant]) {
        const k = cosineBumpKernel(p);
        const [d0, d1] = p.delaysMs;
        assert.equal(k.length, 600 + d0);
        const norm = (kp: number, xMax: number) => {
          let s = 0;
          for (let x = 1; x <= xMax; x++) s += bump(x, kp) ** 2;
          return Math.sqrt(s);
        };
        const n0 = norm(p.kpeaksMs[0], 600);
        const n1 = norm(p.kpeaksMs[1], 600 - (d1 - d0));
        for (const j of [0, 1, 5, 12, 20, 33, 50, 80, 120, 200, 350, 599]) {
          const x0 = j - d0 + 1;
          const x1 = j - d1 + 1;
          const want =
            (x0 >= 1 ? (p.weights[0] * bump(x0, p.kpeaksMs[0])) / n0 : 0) +
            (x1 >= 1 ? (p.weights[1] * bump(x1, p.kpeaksMs[1])) / n1 : 0);
          assert.ok(Math.abs(k[j] - want) < 1e-12, `${type.id} K(${j}) = ${k[j]}, expected ${want}`);
        }
      }
    }
    // A unit's effective kernel is amplitude x K: its first lobe is positive for ON units, negative for OFF ones.
    const m = await small();
    for (const id of ['sON_TF8', 'sOFF_TF4', 'tOFF_TF8']) {
      const i = m.typeIndex.indexOf(m.types.findIndex((x) => x.id === id));
      const u = describeLgnUnit(m, i);
      const k = lgnUnitKernels(m, i)[0];
      let peak = 0;
      for (let j = 0; j < 60; j++) if (Math.abs(k[j]) > Math.abs(k[peak])) peak = j;
      assert.equal(Math.sign(u.subunits[0].amplitude * k[peak]), u.polarity === 'ON' ? 1 : -1, id);
    }
    // Transient kernels sum to nearly zero relative to their size; every sustained one has a clearly non-zero sum.
    const balance = (id: string) => {
      const k = cosineBumpKernel(t.types.find((x) => x.id === id)!.dominant);
      let s = 0;
      let a = 0;
      for (const v of k) {
        s += v;
        a += Math.abs(v);
      }
      return s / a;
    };
    const transient = t.types.filter((x) => x.timing === 'transient').map((x) => balance(x.id));
    const sustained = t.types
      .filter((x) => x.subunits === 1 && x.timing === 'sustained')
      .map((x) => balance(x.id));
    assert.equal(transient.length, 3);
    assert.ok(Math.max(...transient) < 0.06, `transient ${transient}`);
    assert.ok(Math.min(...sustained) > 0.075, `sustained ${sustained}`);
  },
);

/** A screen-sized random image (1 deg pixels) filling the model's field. */
function randomScreen(m: LgnModel, seed: number) {
  const rng = new Rng(seed);
  const width = m.fieldWidthDeg;
  const height = m.fieldHeightDeg;
  const pixels = new Float32Array(width * height);
  // Smooth blobs plus noise, so the Gaussians see structure at their own scale.
  for (let r = 0; r < height; r++)
    for (let c = 0; c < width; c++)
      pixels[r * width + c] = 0.6 * Math.sin(c / 5 + 2 * Math.cos(r / 7)) + 0.4 * (2 * rng.float() - 1);
  return { width, height, pixels };
}

testNeeding(['v1-tables'], 'LGN spatial filtering equals a direct sum over the screen', async () => {
  const m = await small();
  const image = randomScreen(m, 9);
  const rates = lgnRates(
    m,
    stillImage(image, 1000, { widthDeg: m.fieldWidthDeg, heightDeg: m.fieldHeightDeg }),
  );
  // Direct: a Gaussian over every screen pixel, normalised to sum 1, times the pixel.
  const direct = (x: number, y: number, sigma: number) => {
    let s = 0;
    let w = 0;
    for (let r = 0; r < image.height; r++)
      for (let c = 0; c < image.width; c++) {
        const g = Math.exp(-((c + 0.5 - x) ** 2 + (r + 0.5 - y) ** 2) / (2 * sigma * sigma));
        s += g * image.pixels[r * image.width + c];
        w += g;
      }
    return s / w;
  };
  let checked = 0;
  for (let i = 0; i < m.size; i += 7) {
    const u = describeLgnUnit(m, i);
    const kernels = lgnUnitKernels(m, i);
    // After 1000 ms (longer than any kernel) the response is steady: L = s x sum(K).
    const parts = u.subunits.map((sub, k) => {
      const sumK = kernels[k].reduce((a, v) => a + v, 0);
      const s = direct(sub.xDeg, sub.yDeg, m.sigmaDeg[i]);
      return sub.amplitude * s * sumK;
    });
    const spont = m.spontaneousHz[i];
    const want =
      parts.length === 1
        ? Math.max(0, parts[0] + spont)
        : Math.max(0, parts[0] + spont / 2) + Math.max(0, parts[1] + spont / 2);
    const got = rates.hz[(rates.bins - 1) * rates.size + i];
    assert.ok(
      Math.abs(got - want) < 0.01 + 1e-3 * want,
      `unit ${i} (${u.type}): ${got} Hz, direct ${want} Hz`,
    );
    checked++;
  }
  assert.ok(checked >= 90);
});

testNeeding(
  ['v1-tables'],
  "LGN drifting grating: units follow the grating's temporal frequency; a gray screen gives the spontaneous rates",
  async () => {
    const m = await small();
    const gray = lgnRates(m, grayScreen(300), { binMs: 10 });
    assert.equal(gray.bins, 30);
    for (let b = 0; b < gray.bins; b++)
      for (let i = 0; i < m.size; i++) assert.equal(gray.hz[b * m.size + i], m.spontaneousHz[i]);
    for (const tfHz of [2, 4]) {
      const r = lgnRates(m, driftingGrating({ orientationDeg: 30, sfCpd: 0.04, tfHz, durationMs: 2000 }));
      let driven = 0;
      const counted = { ON: 0, OFF: 0 };
      for (let i = 0; i < m.size; i++) {
        const type = m.types[m.typeIndex[i]];
        if (type.subunits !== 1) continue;
        // The last second (steady state), 1 Hz per Fourier bin.
        const x = unitRates(r, i).subarray(1000, 2000);
        let best = 0;
        let bestPower = -1;
        for (let f = 1; f < 100; f++) {
          let re = 0;
          let im = 0;
          for (let n = 0; n < x.length; n++) {
            re += x[n] * Math.cos((2 * Math.PI * f * n) / x.length);
            im -= x[n] * Math.sin((2 * Math.PI * f * n) / x.length);
          }
          if (re * re + im * im > bestPower) {
            bestPower = re * re + im * im;
            best = f;
          }
        }
        assert.equal(best, tfHz, `unit ${i} (${type.id}): strongest at ${best} Hz`);
        driven++;
        counted[type.polarity as 'ON' | 'OFF']++;
      }
      assert.ok(driven > 500 && counted.ON > 150 && counted.OFF > 300, JSON.stringify(counted));
    }
    // ON and OFF units of the same place answer the grating in opposite phase (half a cycle apart).
    const r = lgnRates(m, driftingGrating({ orientationDeg: 0, sfCpd: 0.02, tfHz: 2, durationMs: 2000 }));
    const phaseOf = (i: number) => {
      const x = unitRates(r, i).subarray(1000, 2000);
      let re = 0;
      let im = 0;
      for (let n = 0; n < 1000; n++) {
        re += x[n] * Math.cos((2 * Math.PI * 2 * n) / 1000);
        im -= x[n] * Math.sin((2 * Math.PI * 2 * n) / 1000);
      }
      return Math.atan2(im, re);
    };
    const on = m.types.findIndex((x) => x.id === 'sON_TF4');
    const off = m.types.findIndex((x) => x.id === 'sOFF_TF4');
    const a = m.typeIndex.indexOf(on);
    // The OFF unit nearest in x (the grating varies along x only).
    let b = -1;
    for (let i = 0; i < m.size; i++)
      if (
        m.typeIndex[i] === off &&
        (b < 0 || Math.abs(m.xDeg[i] - m.xDeg[a]) < Math.abs(m.xDeg[b] - m.xDeg[a]))
      )
        b = i;
    let d = Math.abs(phaseOf(a) - phaseOf(b)) % (2 * Math.PI);
    if (d > Math.PI) d = 2 * Math.PI - d;
    assert.ok(d > Math.PI / 2, `ON/OFF phase difference ${d} rad`);
  },
);

testNeeding(
  ['v1-tables'],
  'LGN Poisson spikes: counts match the integrated rates; same seed, same spikes; plugs into a Network',
  async () => {
    const m = await small();
    const r = lgnRates(m, driftingGrating({ orientationDeg: 90, sfCpd: 0.04, tfHz: 3, durationMs: 1000 }));
    let expected = 0;
    for (const v of r.hz) expected += (v * r.binMs) / 1000;
    const run = (seed: number) => {
      const src = new LgnPoissonSource('lgn', r, 0.5, seed);
      const trains: number[] = [];
      let count = 0;
      for (let s = 0; s < 2000; s++) {
        src.step();
        count += src.spikes.length;
        if (s < 400) trains.push(s, ...src.spikes, -1);
      }
      return { count, trains };
    };
    const a = run(5);
    assert.ok(
      Math.abs(a.count - expected) < 4 * Math.sqrt(expected),
      `${a.count} spikes, integrated rate ${expected}`,
    );
    assert.deepEqual(run(5).trains, a.trains);
    assert.notDeepEqual(run(6).trains, a.trains);
    // Past the rates' end: spontaneous rates.
    const g = new LgnPoissonSource('lgn', lgnRates(m, grayScreen(10)), 1, 2);
    let n = 0;
    for (let s = 0; s < 4000; s++) {
      g.step();
      n += g.spikes.length;
    }
    const spont = m.spontaneousHz.reduce((s, v) => s + v * 4, 0);
    assert.ok(Math.abs(n - spont) < 4 * Math.sqrt(spont), `${n} spikes, expected ${spont}`);
    const net = new Network(0.5);
    const src = net.add(new LgnPoissonSource('lgn', r, 0.5, 1));
    net.run(20);
    assert.equal(src.size, m.size);
    assert.throws(() => new LgnPoissonSource('lgn', r, 100, 1), /lgn\.rates: rate x dt = .* > 1: lower dt/);
  },
);

testNeeding(
  ['v1-tables'],
  'LGN still images: an MNIST digit drives other rates than a blank image; deterministic',
  async () => {
    const m = await small();
    const mnist = await loadDataset('mnist');
    const digit = datasetImage(mnist, 'test', 0);
    assert.deepEqual([digit.width, digit.height], [28, 28]);
    const blank = grayImageFromBytes(new Uint8Array(28 * 28), 28, 28);
    const show = (img: typeof digit) =>
      lgnRates(m, stimulusSequence(grayScreen(100), stillImage(img, 300)), { binMs: 10 });
    const d = show(digit);
    const z = show(blank);
    // Before the image both are at the spontaneous rates; during it the digit's strokes change many units.
    assert.deepEqual(d.hz.subarray(0, 10 * m.size), z.hz.subarray(0, 10 * m.size));
    let differ = 0;
    for (let i = 0; i < m.size; i++) {
      let diff = 0;
      for (let b = 10; b < d.bins; b++) diff += Math.abs(d.hz[b * m.size + i] - z.hz[b * m.size + i]);
      if (diff / (d.bins - 10) > 0.5) differ++;
    }
    assert.ok(differ > 50, `${differ} units differ`);
    assert.deepEqual(show(digit).hz, d.hz);
    // Units whose Gaussian (cut at 4 sigma) misses the image (the middle 24 x 24 deg) are not moved by it.
    const outside = Array.from({ length: m.size }, (_, i) => i).filter(
      (i) =>
        Math.abs(m.xDeg[i] - 24) > 12 + (4 * m.sizeDeg[i]) / 3 + 1 && m.types[m.typeIndex[i]].subunits === 1,
    );
    assert.ok(outside.length > 10);
    for (const i of outside) assert.equal(d.hz[(d.bins - 1) * m.size + i], z.hz[(z.bins - 1) * m.size + i]);
  },
);

test('LGN images: CIFAR-like RGB becomes luma in [-1, 1]', () => {
  const ds: LabeledImageDataset = {
    name: 'cifar10',
    shape: [3, 2, 2],
    classes: [],
    train: {
      images: new Uint8Array([255, 0, 0, 0, 0, 255, 0, 0, 0, 0, 255, 0]),
      labels: new Uint8Array(1),
      count: 1,
    },
    test: { images: new Uint8Array(0), labels: new Uint8Array(0), count: 0 },
    source: 'memory',
    notes: [],
  };
  const img = datasetImage(ds, 'train', 0);
  const luma = [0.299, 0.587, 0.114, 0].map((v) => (2 * v * 255) / 255 - 1);
  img.pixels.forEach((v, k) => assert.ok(Math.abs(v - luma[k]) < 1e-6));
  assert.throws(
    () => datasetImage(ds, 'train', 1),
    /cifar10\.train: expected an image index in \[0, 1\), found 1/,
  );
});

testNeeding(
  ['v1-tables'],
  'LGN -> V1: every class receives LGN input, scaled from L4 Exc; overrides',
  async () => {
    const v1 = await loadV1Tables();
    const targets = lgnTargets(v1);
    assert.equal(targets.length, 17);
    const by = (key: string) => targets.find((x) => x.key === key)!;
    assert.ok(targets.every((x) => x.receivesLgn && x.inputsPerNeuron > 0 && x.basis === 'table'));
    assert.equal(by('e4').inputsPerNeuron, 30);
    // L4 Pvalb receives the most: 2.76 x L4 Exc's synapses, at more synapses per connection (Yule 2.4, not 3.5).
    assert.equal(Math.max(...targets.map((x) => x.inputsPerNeuron)), by('i4Pvalb').inputsPerNeuron);
    assert.equal(by('i4Pvalb').inputsPerNeuron, Math.round((30 * 2.76 * (1.4 / 2.4)) / (2.5 / 3.5)));
    assert.equal(Math.min(...targets.map((x) => x.inputsPerNeuron)), by('i6Htr3a').inputsPerNeuron);
    assert.ok(
      by('e23').inputsPerNeuron > by('e5').inputsPerNeuron &&
        by('e5').inputsPerNeuron > by('e6').inputsPerNeuron,
    );
    assert.ok(Math.abs(by('e4').baseWeightPa - v1.synapses[5 * 17 + 5].weightMeanPa) < 1e-12);
    const more = lgnTargets(v1, { l4ExcInputsPerNeuron: 100, baseWeightPa: 2, synapseRatios: { e6: 0 } });
    assert.equal(more.find((x) => x.key === 'e4')!.inputsPerNeuron, 100);
    assert.equal(more.find((x) => x.key === 'e6')!.receivesLgn, false);
    assert.equal(more.find((x) => x.key === 'e6')!.basis, 'override');
    assert.ok(more.every((x) => x.baseWeightPa === 2));
    assert.throws(
      () => lgnTargets(v1, { synapseRatios: { e7: 1 } }),
      /synapseRatios\.e7: expected a class key/,
    );
  },
);
