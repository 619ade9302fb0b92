import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fsx.js';
import { lineChart, escapeXml } from './svg.js';

/**
 * Writes a self-contained report.html (inline SVG, no scripts) for a run directory from its config.json,
 * metrics.jsonl and summary.json. Reads only the run directory's file format, so it works for any run.
 */
export async function writeRunReport(runPath: string): Promise<string> {
  const read = async (f: string) => fsp.readFile(join(runPath, f), 'utf8').catch(() => '');
  const config = JSON.parse((await read('config.json')) || '{}') as Record<string, unknown>;
  const summary = JSON.parse((await read('summary.json')) || '{}') as Record<string, unknown>;
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
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}pre{background:#f6f6f6;padding:8px;overflow:auto}</style>
</head><body>
<h1>${escapeXml(title)}</h1>
<h2>Summary</h2><table>${rows}</table>
<h2>Learning curves</h2>${charts.join('\n')}
<h2>Resolved configuration</h2><pre>${escapeXml(JSON.stringify(config, null, 2))}</pre>
</body></html>
`;
  const out = join(runPath, 'report.html');
  await writeFileAtomic(out, html);
  return out;
}
