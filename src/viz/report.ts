import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fsx.js';
import { lineChart, escapeXml } from './svg.js';

/**
 * Writes a self-contained report.html (inline SVG, no scripts) for a run directory from its config.json,
 * metrics.jsonl and summary.json. Reads only the run directory's file format, so it works for any run.
 */
export async function writeRunReport(runPath: string, summaryOverride?: object): Promise<string> {
  const read = async (f: string) => fsp.readFile(join(runPath, f), 'utf8').catch(() => '');
  const config = JSON.parse((await read('config.json')) || '{}') as Record<string, unknown>;
  // An unfinished grid has no summary.json yet; the caller passes the summary of its finished runs instead.
  const summary = (summaryOverride ?? JSON.parse((await read('summary.json')) || '{}')) as Record<
    string,
    unknown
  >;
  const metrics = (await read('metrics.jsonl'))
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, number | string>;
      } catch {
        return null;
      }
    })
    .filter((r): r is Record<string, number | string> => r !== null);
  if (summary.kind === 'grid') return writeGridReport(runPath, config, summary as unknown as GridReportData);
  if (summary.kind === 'diehl-cook')
    return writeDiehlCookReport(runPath, config, metrics, summary as unknown as DiehlCookReportData);
  const train = metrics.filter((r) => r.type === 'train');
  const epochs = metrics.filter((r) => r.type === 'epoch');
  const charts = [
    lineChart(
      [{ label: 'training loss (batch)', points: train.map((r) => [Number(r.step), Number(r.loss)]) }],
      {
        title: 'Training loss',
        xLabel: 'step',
        yLabel: 'loss',
      },
    ),
    lineChart(
      [
        { label: 'train accuracy', points: epochs.map((r) => [Number(r.epoch), Number(r.trainAccuracy)]) },
        {
          label: `${epochs[0]?.evalSplit ?? 'eval'} accuracy`,
          points: epochs.map((r) => [Number(r.epoch), Number(r.evalAccuracy)]),
        },
      ],
      { title: 'Accuracy per epoch', xLabel: 'epoch', yLabel: 'accuracy' },
    ),
  ];
  const rows = Object.entries(summary)
    .filter(([, v]) => typeof v !== 'object')
    .map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(String(v))}</td></tr>`)
    .join('');
  const title = `neuroplast run: ${String(config.name ?? runPath)}`;
  const html = page(
    title,
    `<h2>Summary</h2><table>${rows}</table>
<h2>Learning curves</h2>${charts.join('\n')}`,
    config,
  );
  return writeReport(runPath, html);
}

/** The page around a report body: title, inline style, the resolved configuration at the end. */
function page(title: string, body: string, config: Record<string, unknown>): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}pre{background:#f6f6f6;padding:8px;overflow:auto}</style>
</head><body>
<h1>${escapeXml(title)}</h1>
${body}
<h2>Resolved configuration</h2><pre>${escapeXml(JSON.stringify(config, null, 2))}</pre>
</body></html>
`;
}

async function writeReport(runPath: string, html: string): Promise<string> {
  const out = join(runPath, 'report.html');
  await writeFileAtomic(out, html);
  return out;
}

interface GridReportData {
  name: string;
  dataset: string;
  datasetNotes?: string[];
  seeds: number[];
  trainFractions: number[];
  optimizers: string[];
  /** mean is NaN (null once read back from JSON) for a cell with no finished run. */
  acc: Record<string, Record<string, { mean: number | null; std: number; n: number }>>;
  paired: {
    fraction: number;
    a: string;
    b: string;
    n: number;
    meanDiff: number;
    p: number | null;
    winsA: number;
  }[];
  curves: Record<string, Record<string, number[]>>;
  /** Finished runs of the grid's (absent in summaries written before it was recorded). */
  runs?: { done: number; total: number };
}

const pct = (x: number) => (100 * x).toFixed(2);

/** The report of a grid run: accuracy table (mean +- std over seeds), paired tests, mean learning curves. */
async function writeGridReport(
  runPath: string,
  config: Record<string, unknown>,
  s: GridReportData,
): Promise<string> {
  const head = `<tr><th>train fraction</th>${s.optimizers.map((o) => `<th>${escapeXml(o)}</th>`).join('')}</tr>`;
  const body = s.trainFractions
    .map((f) => {
      const row = s.acc[String(f)];
      const best = Math.max(...s.optimizers.filter((o) => row[o].n > 0).map((o) => row[o].mean as number));
      const cells = s.optimizers.map((o) => {
        const c = row[o];
        if (c.n === 0 || c.mean === null) return '<td>&ndash;</td>';
        const text = `${pct(c.mean)} &plusmn; ${pct(c.std)} (n=${c.n})`;
        return `<td>${c.mean === best ? `<b>${text}</b>` : text}</td>`;
      });
      return `<tr><th>${f}</th>${cells.join('')}</tr>`;
    })
    .join('');
  const paired = s.paired
    .map(
      (p) =>
        `<tr><td>${p.fraction}</td><td>${escapeXml(p.a)} &minus; ${escapeXml(p.b)}</td><td>${pct(p.meanDiff)}</td><td>${
          p.p === null ? 'n/a' : p.p.toPrecision(3)
        }</td><td>${p.winsA}/${p.n}</td></tr>`,
    )
    .join('');
  const charts = s.trainFractions.map((f) =>
    lineChart(
      s.optimizers.map((o) => ({
        label: o,
        points: (s.curves[String(f)]?.[o] ?? []).map((a, e) => [e + 1, a] as [number, number]),
      })),
      {
        title: `Mean evaluation accuracy per epoch, train fraction ${f}`,
        xLabel: 'epoch',
        yLabel: 'accuracy',
      },
    ),
  );
  const partial = s.runs && s.runs.done < s.runs.total;
  const title = `neuroplast grid: ${s.name}${partial ? ` (partial: ${s.runs!.done} of ${s.runs!.total} runs)` : ''}`;
  const html = page(
    title,
    `${partial ? '<p><b>The grid has not finished: these statistics cover the runs finished so far (n per cell).</b></p>' : ''}<p>${escapeXml([s.dataset, ...(s.datasetNotes ?? [])].join('; '))}; test accuracy in percent, mean &plusmn; sample std over seeds ${escapeXml(s.seeds.join(', '))}; best per row in bold.</p>
<table>${head}${body}</table>
<h2>Paired tests (seed-matched, two-sided t)</h2>
<table><tr><th>fraction</th><th>difference</th><th>mean (points)</th><th>p</th><th>seeds won</th></tr>${paired}</table>
<h2>Learning curves</h2>${charts.join('\n')}`,
    config,
  );
  return writeReport(runPath, html);
}

interface DiehlCookReportData {
  name: string;
  dataset: string;
  neurons: number;
  testAccuracy: number;
  proportionAccuracy: number;
  trainImages: number;
  labelImages: number;
  testImages: number;
  presentations: Record<string, number>;
  assignment: number[];
  confusion: number[][];
  meanThetaMv: number;
  receptiveFields: string;
}

/** The report of an unsupervised STDP run: accuracy, confusion matrix, learned receptive fields (inlined PNG). */
async function writeDiehlCookReport(
  runPath: string,
  config: Record<string, unknown>,
  metrics: Record<string, number | string>[],
  s: DiehlCookReportData,
): Promise<string> {
  const png = await fsp.readFile(join(runPath, s.receptiveFields)).catch(() => null);
  const perClass = s.confusion.map((_, c) => s.assignment.filter((a) => a === c).length);
  const head = `<tr><th>true &darr; / predicted &rarr;</th>${s.confusion.map((_, c) => `<th>${c}</th>`).join('')}</tr>`;
  const rows = s.confusion
    .map(
      (row, t) =>
        `<tr><th>${t} (${perClass[t]} neurons)</th>${row.map((v) => `<td>${v}</td>`).join('')}</tr>`,
    )
    .join('');
  const chart = lineChart(
    [
      {
        label: 'presentations per image',
        points: metrics
          .filter((r) => r.phase === 'train')
          .map((r) => [Number(r.images), Number(r.presentationsPerImage)] as [number, number]),
      },
    ],
    {
      title: 'Presentations per training image (thresholds rise, inputs are shown brighter)',
      xLabel: 'image',
      yLabel: 'presentations',
    },
  );
  const facts: [string, string][] = [
    ["test accuracy (the paper's readout: mean response of each class's neurons)", `${pct(s.testAccuracy)}%`],
    ['test accuracy, proportion-weighted readout', `${pct(s.proportionAccuracy)}%`],
    ['dataset', s.dataset],
    ['excitatory neurons', String(s.neurons)],
    ['images: STDP / labelling / test', `${s.trainImages} / ${s.labelImages} / ${s.testImages}`],
    [
      'presentations',
      Object.entries(s.presentations)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ],
    ['unlabelled neurons (never fired)', String(s.assignment.filter((a) => a < 0).length)],
    ['mean threshold theta', `${s.meanThetaMv.toFixed(2)} mV`],
  ];
  const html = page(
    `neuroplast run: ${s.name}`,
    `<table>${facts.map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`).join('')}</table>
<h2>Learned receptive fields (input weights per excitatory neuron)</h2>
${png ? `<img alt="receptive fields" src="data:image/png;base64,${png.toString('base64')}">` : '<p>(receptive_fields.png missing)</p>'}
<h2>Confusion matrix (test)</h2><table>${head}${rows}</table>
<h2>Training</h2>${chart}`,
    config,
  );
  return writeReport(runPath, html);
}
