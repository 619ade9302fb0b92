/**
 * The dashboard's views as figures for `neuroplast plot`: each view lists the figures a run has, named as the page's
 * export buttons name their files, and draws one on request (charts through ECharts' SVG renderer, the pictures the
 * server draws as they are). Adding a view for plot is one `registerPlotView` (plot-registry.ts).
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { accuracyMatrixFigure, matrixCells, type ContinualCell } from './figures/accuracy-matrix.js';
import { chartSvg, weightsFile, type ChartFigure } from './figures/chart.js';
import { histogramFigure, histogramTitle } from './figures/distributions.js';
import {
  frontGenes,
  frontParallel,
  frontRuleFigure,
  frontRuleFile,
  frontScatter,
  searchesOf,
} from './figures/fronts.js';
import {
  goNoGoFigures,
  isTaskFreeCell,
  taskFreeFigures,
  taskFreeFile,
  type GoNoGoCell,
  type TaskFreeCell,
} from './figures/neuromodulators.js';
import { v1RatesFigures, v1ScalesOf } from './figures/v1-rates.js';
import {
  cellFile,
  continualCells,
  listMonitors,
  modelWeights,
  monitorSvg,
  receptiveFields,
  weightsPng,
} from './run-files.js';
import { describeRun, readMetricsSeries, readRunJson } from './runs.js';
import { histogramData } from './series.js';
import { registerPlotView, type PlotFigure } from './plot-registry.js';

/** A chart figure, drawn when asked (at its own size unless told another). */
const chart = (f: ChartFigure): PlotFigure => ({
  name: f.file,
  caption: f.caption,
  format: 'svg',
  draw: async (size) =>
    chartSvg({ ...f, size: { width: size?.width ?? f.size.width, height: size?.height ?? f.size.height } }),
});

const failed = (why: string) => new Error(why);

const summaryOf = async (dir: string) => (await readRunJson(join(dir, 'summary.json'), 8 << 20)).value;
const runOf = (dir: string) => describeRun(dir, join(dir, '..'));
const cellBase = (name: string) => name.replace(/\.json$/, '');

registerPlotView({
  name: 'accuracy-matrix',
  async figures(dir) {
    const run = await runOf(dir);
    if (run.kind !== 'continual') return [];
    const { cells } = await continualCells(dir);
    const { good, methods, scenarios } = matrixCells(cells as ContinualCell[]);
    return methods.flatMap((m) =>
      scenarios.flatMap((s) => {
        const f = accuracyMatrixFigure(run.label, good, m, s);
        return typeof f === 'string' ? [] : [chart(f)];
      }),
    );
  },
});

registerPlotView({
  name: 'distributions',
  async figures(dir) {
    const run = await runOf(dir);
    const metrics = await readMetricsSeries(dir).catch(() => null);
    return [...(metrics?.histograms.values() ?? [])].flatMap((h) => {
      const f = histogramFigure(run.label, histogramData(h), histogramTitle(h.group, h.field));
      return typeof f === 'string' ? [] : [chart(f)];
    });
  },
});

registerPlotView({
  name: 'fronts',
  async figures(dir) {
    const out: PlotFigure[] = [];
    for (const [name, search] of searchesOf(await summaryOf(dir))) {
      const objectives = Object.keys(search.front[0].objectives);
      // Every pair both ways (the page lets either be across; one objective: against itself, as the page draws it).
      for (const x of objectives)
        for (const y of objectives)
          if (x !== y || objectives.length === 1) out.push(chart(frontScatter(name, search.front, x, y)));
      for (const f of [frontParallel(name, search.front), frontGenes(name, search.front)])
        if (f) out.push(chart(f));
      // Each member's rule per synapse type, when the summary carries the genome (built when drawn).
      if (search.genome)
        search.front.forEach((m, i) =>
          out.push({
            name: frontRuleFile(name, i),
            caption: `rule of #${i} per synapse type and term${m.equation ? `: ${m.equation}` : ''}`,
            format: 'svg',
            draw: async (size) => {
              const f = frontRuleFigure(name, search, i);
              if (!f) throw failed(`${name}: member ${i}'s genes do not fit the search's genome`);
              return chart(f).draw(size);
            },
          }),
        );
    }
    return out;
  },
});

registerPlotView({
  name: 'neuromodulators',
  async figures(dir) {
    const run = await runOf(dir);
    if (run.kind === 'go-nogo') {
      const names = (await fsp.readdir(join(dir, 'cells')).catch(() => [] as string[])).filter((n) =>
        n.endsWith('.json'),
      );
      return names.sort().flatMap((file) => {
        const base = cellBase(file);
        const m = /^(.+)-(.+)-s(\d+)$/.exec(base);
        if (!m) return [];
        const pick = { learner: m[1], condition: m[2], seed: m[3] };
        const draw = (which: number) => async (size?: { width?: number; height?: number }) => {
          const c = await cellFile(dir, file);
          if (!c || c.error || !Array.isArray((c.value as GoNoGoCell | null)?.blocks))
            throw failed(`cells/${file}: ${c?.error ?? 'not a go-nogo cell'}`);
          return chart(goNoGoFigures(run.label, pick, c.value as GoNoGoCell)[which]).draw(size);
        };
        return [
          {
            name: `modulators-${base}`,
            caption: `neuromodulator levels of ${base}`,
            format: 'svg' as const,
            draw: draw(0),
          },
          {
            name: `targets-${base}`,
            caption: `what they drive in ${base}`,
            format: 'svg' as const,
            draw: draw(1),
          },
        ];
      });
    }
    if (run.kind !== 'continual') return [];
    const { cells } = await continualCells(dir);
    return (cells as (ContinualCell & { modulated?: boolean })[])
      .filter((c) => c.modulated)
      .flatMap((c) => {
        const cell = { method: c.method!, scenario: c.scenario!, seed: c.seed ?? 0 };
        const draw =
          (which: 'modulators' | 'targets') => async (size?: { width?: number; height?: number }) => {
            const r = await cellFile(dir, c.name);
            if (!r || r.error || !isTaskFreeCell(r.value))
              throw failed(`cells/${c.name}: ${r?.error ?? 'not a cell with a neuromodulator trace'}`);
            const f = taskFreeFigures(run.label, r.value).find(
              (x) => x.file === taskFreeFile(which, r.value as TaskFreeCell),
            );
            if (!f) throw failed(`cells/${c.name}: no ${which} trace`);
            return chart(f).draw(size);
          };
        return [
          {
            name: taskFreeFile('modulators', cell),
            caption: `surprise and noradrenaline of ${cellBase(c.name)}`,
            format: 'svg' as const,
            draw: draw('modulators'),
          },
          {
            name: taskFreeFile('targets', cell),
            caption: `what noradrenaline drives in ${cellBase(c.name)}`,
            format: 'svg' as const,
            draw: draw('targets'),
          },
        ];
      });
  },
});

registerPlotView({
  name: 'v1-rates',
  async figures(dir) {
    const run = await runOf(dir);
    if (run.kind !== 'v1-rates') return [];
    return v1ScalesOf(await summaryOf(dir)).flatMap((scale) => v1RatesFigures(run.label, scale).map(chart));
  },
});

registerPlotView({
  name: 'spiking',
  async figures(dir) {
    return listMonitors(dir).monitors.map((m) => ({
      name: `${m.kind}-${m.name}`,
      caption: `${m.kind} monitor ${m.name} (${m.file})`,
      format: 'svg' as const,
      draw: async (size) => {
        const svg = await monitorSvg(dir, m.file, size?.width ?? 720);
        if (svg === null) throw failed(`${m.file}: no such monitor file`);
        return svg;
      },
    }));
  },
});

registerPlotView({
  name: 'receptive-fields',
  async figures(dir) {
    const run = await runOf(dir);
    if (run.kind !== 'diehl-cook') return [];
    return [
      {
        name: `receptive-fields-${run.name}`,
        caption: 'input weights of each excitatory neuron, as last saved',
        format: 'png',
        draw: async () => {
          const r = await receptiveFields(dir);
          if (!r) throw failed('this run has no saved network');
          if ('error' in r) throw failed(r.error);
          return r.png;
        },
      },
    ];
  },
});

registerPlotView({
  name: 'weights',
  async figures(dir) {
    const w = await modelWeights(dir);
    if (!w) return [];
    if ('error' in w) throw failed(w.error);
    return w.layers.map((l) => ({
      name: weightsFile(l.name),
      caption: `${l.name} [${l.shape.join(' x ')}] as ${l.picture === 'tiles' ? 'one image per unit' : 'a matrix'} (${w.file})`,
      format: 'png' as const,
      draw: async () => {
        const r = await weightsPng(dir, l.name);
        if (!r) throw failed(`${w.file}: no weight tensor ${l.name}`);
        if ('error' in r) throw failed(r.error);
        return r.png;
      },
    }));
  },
});
