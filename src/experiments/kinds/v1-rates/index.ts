import type { TaskKind } from '../../task-kind.js';
import { quickV1Rates, v1RatesSchema, type V1RatesConfig } from './config.js';
import { v1RatesView } from './report-view.js';
import { runV1Rates, type V1RatesSummary } from './run.js';

const f = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');

export function describeV1Rates(s: V1RatesSummary): string[] {
  const lines = s.scales.map(
    (r) =>
      `${r.neurons} neurons: class medians in the recorded 10th-90th percentile range: spontaneous ` +
      `${r.classes_in_range.spontaneous}/17, gratings ${r.classes_in_range.gratings}/17` +
      (r.silent.length ? `; silent: ${r.silent.join(', ')}` : '') +
      (r.runaway.length ? `; runaway: ${r.runaway.join(', ')}` : ''),
  );
  lines.push(`median rates at ${s.neurons} neurons (Hz): class, spontaneous (target), gratings (target)`);
  for (const [name, r] of Object.entries(s.rates))
    lines.push(
      `  ${name}\t${f(r.spontaneous)} (${f(r.target_spontaneous)})${r.in_range_spontaneous ? '' : ' *'}\t` +
        `${f(r.gratings)} (${f(r.target_gratings)})${r.in_range_gratings ? '' : ' *'}`,
    );
  lines.push(
    `OSI of excitatory cells, median (recorded): ` +
      Object.entries(s.osi)
        .map(([layer, o]) => `${layer} ${f(o.median)} (${o.target === null ? '-' : f(o.target)})`)
        .join(', '),
  );
  return lines;
}

/** The V1 model's rates per class against the Neuropixels targets, fitted on one seed and measured on another. */
export const v1RatesTask: TaskKind<V1RatesConfig, V1RatesSummary> = {
  name: 'v1-rates',
  description:
    'the mouse-V1 model: per-class rates (gray screen, drifting gratings) and OSI against Neuropixels targets',
  schema: v1RatesSchema,
  quick: quickV1Rates,
  run: runV1Rates,
  describe: describeV1Rates,
  reportViews: [v1RatesView],
};
