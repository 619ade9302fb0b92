import { RuleGenome, termName, type RuleGenomeSpec } from '../../evolution/genome.js';
import { fileSlug, type ChartFigure } from './chart.js';

/** A member of a search's final front, as an evolution run's summary.json records it (checked, below). */
export interface FrontMember {
  objectives: Record<string, number>;
  equation?: string;
  genes: number[];
}
export interface Search {
  strategy?: string;
  front: FrontMember[];
  found?: { equation: string };
  /** Members beyond MAX_MEMBERS, or genes beyond MAX_GENES in the genes heatmap, not drawn. */
  cut: boolean;
  /** A rule problem's genome layout (its genes decode to coefficients per synapse type). */
  genome?: RuleGenomeSpec;
}

/**
 * The most front members read and genes per member drawn in the genes heatmap (a summary file is run data: any size,
 * any shape; it is read whole only up to the server's bound on summaries).
 */
export const MAX_MEMBERS = 1000;
export const MAX_GENES = 512;
const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);
/** A finite number, else NaN (JSON writes NaN and infinities as null). */
const finite = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** A genome spec small enough to decode in a page (the V1 study's: 17 types, 289 synapse types, 25 terms). */
function boundedGenome(v: unknown): RuleGenomeSpec | undefined {
  if (!isObject(v)) return undefined;
  const list = (x: unknown, max: number) => x === undefined || (Array.isArray(x) && x.length <= max);
  const names = v.neuronTypes;
  if (
    !Array.isArray(names) ||
    names.length > 64 ||
    !names.every((t) => typeof t === 'string' && t.length <= 64) ||
    !list(v.signals, 8) ||
    !list(v.terms, 512) ||
    !list(v.synapseTypes, 4096)
  )
    return undefined;
  return v as unknown as RuleGenomeSpec;
}

/** The searches of an evolution run's summary that have a front, every value checked and the sizes capped. */
export function searchesOf(summary: unknown): [string, Search][] {
  const searches = isObject(summary) ? summary.searches : undefined;
  if (!isObject(searches)) return [];
  const out: [string, Search][] = [];
  for (const [name, s] of Object.entries(searches)) {
    if (!isObject(s) || !Array.isArray(s.front) || !s.front.length || !isObject(s.front[0]?.objectives))
      continue;
    const names = Object.keys(s.front[0].objectives);
    const members = s.front.slice(0, MAX_MEMBERS).filter(isObject);
    let cut = s.front.length > MAX_MEMBERS;
    const front = members.map((m) => {
      const objectives = isObject(m.objectives) ? m.objectives : {};
      const genes = Array.isArray(m.genes) ? m.genes : [];
      cut ||= genes.length > MAX_GENES;
      return {
        objectives: Object.fromEntries(names.map((k) => [k, finite(objectives[k])])),
        equation: str(m.equation),
        genes: genes.map(finite),
      };
    });
    const found =
      isObject(s.found) && str(s.found.equation) ? { equation: str(s.found.equation)! } : undefined;
    const genome = boundedGenome(s.genome);
    if (front.length) out.push([name, { strategy: str(s.strategy), front, found, cut, genome }]);
  }
  return out;
}

/** ECharts draws '-' as a missing value. */
const value = (v: number) => (Number.isFinite(v) ? v : '-');

export const frontFile = (search: string, x: string, y: string) =>
  `front-${fileSlug(search)}-${fileSlug(y)}-vs-${fileSlug(x)}`;

/** Two objectives of the front against each other. */
export function frontScatter(search: string, front: FrontMember[], x: string, y: string): ChartFigure {
  return {
    caption: `front: ${y} against ${x}`,
    file: frontFile(search, x, y),
    size: { width: 420, height: 320 },
    option: {
      tooltip: { formatter: (p: { dataIndex: number }) => `#${p.dataIndex}` },
      grid: { left: 70, bottom: 50, right: 20, top: 20 },
      xAxis: { type: 'value', name: x, nameLocation: 'middle', nameGap: 30, scale: true },
      yAxis: { type: 'value', name: y, nameLocation: 'middle', nameGap: 55, scale: true },
      series: [
        {
          type: 'scatter',
          symbolSize: 8,
          data: front.map((m) => [value(m.objectives[x]), value(m.objectives[y])]),
        },
      ],
    },
  };
}

/** Every objective of the front as parallel coordinates (null with fewer than three objectives). */
export function frontParallel(search: string, front: FrontMember[]): ChartFigure | null {
  const objectives = Object.keys(front[0]?.objectives ?? {});
  if (objectives.length <= 2) return null;
  return {
    caption: 'every objective (parallel coordinates)',
    file: `front-${fileSlug(search)}-parallel`,
    size: { width: 560, height: 320 },
    option: {
      parallelAxis: objectives.map((o, dim) => ({ dim, name: o, scale: true })),
      parallel: { left: 40, right: 60, top: 40, bottom: 30 },
      series: [
        {
          type: 'parallel',
          lineStyle: { width: 1, opacity: 0.5 },
          data: front.map((m) => objectives.map((o) => value(m.objectives[o]))),
        },
      ],
    },
  };
}

/** The rule coefficients (genes) of each front member as a heatmap (null when the members have no genes). */
export function frontGenes(search: string, front: FrontMember[]): ChartFigure | null {
  let genes = 0;
  let max = 1e-12;
  const shown = front.map((m) => m.genes.slice(0, MAX_GENES));
  for (const g of shown) {
    genes = Math.max(genes, g.length);
    for (const v of g) if (Math.abs(v) > max) max = Math.abs(v);
  }
  if (!genes) return null;
  return {
    caption: `every gene of each front member (rows)${genes === MAX_GENES ? `, the first ${MAX_GENES}` : ''}`,
    file: `front-${fileSlug(search)}-genes`,
    size: { width: Math.min(900, 120 + 18 * genes), height: Math.min(600, 80 + 14 * front.length) },
    option: {
      tooltip: { position: 'top' },
      grid: { left: 50, bottom: 40, right: 20, top: 20 },
      xAxis: { type: 'category', data: Array.from({ length: genes }, (_, k) => String(k)), name: 'gene' },
      yAxis: { type: 'category', data: front.map((_, i) => `#${i}`), inverse: true },
      visualMap: { min: -max, max, show: false, inRange: { color: ['#b2182b', '#f7f7f7', '#2166ac'] } },
      series: [{ type: 'heatmap', data: shown.flatMap((g, i) => g.map((v, k) => [k, i, value(v)])) }],
    },
  };
}

/** The most synapse types drawn in a rule's heatmap (the V1 model has 289). */
const MAX_RULE_ROWS = 400;

export const frontRuleFile = (search: string, index: number) => `front-${fileSlug(search)}-rule-${index}`;

/** Each search's genome, built once (null: its spec does not make a genome). */
const genomes = new WeakMap<Search, RuleGenome | null>();

function genomeOf(s: Search): RuleGenome | null {
  if (!s.genome) return null;
  if (!genomes.has(s)) {
    let g: RuleGenome | null = null;
    try {
      g = new RuleGenome(s.genome, 'genome');
    } catch {
      g = null;
    }
    genomes.set(s, g);
  }
  return genomes.get(s)!;
}

/**
 * Front member `index`'s rule as coefficients per synapse type (rows) and Taylor term (columns), 0 where a gate is
 * shut; null when the search has no genome or the genes do not fit it (a summary is run data: anything may be there).
 */
export function frontRuleFigure(search: string, s: Search, index: number): ChartFigure | null {
  const m = s.front[index];
  const genome = genomeOf(s);
  if (!genome || !m || m.genes.length !== genome.size) return null;
  const decoded = genome.decode(m.genes.map((g) => (Number.isFinite(g) ? g : 0)));
  const terms = genome.terms.map((p) => termName(p, genome.signals));
  const rows = Object.keys(decoded.coefficients).slice(0, MAX_RULE_ROWS);
  let max = 1e-12;
  const data: [number, number, number | string][] = [];
  rows.forEach((r, i) =>
    decoded.coefficients[r].forEach((c, t) => {
      if (Math.abs(c) > max) max = Math.abs(c);
      data.push([t, i, c === 0 ? '-' : Number(c.toPrecision(3))]);
    }),
  );
  const open = decoded.gates.filter(Boolean).length;
  return {
    caption:
      `rule of #${index}: coefficient per synapse type (rows) and term (columns), ${open} of ${terms.length} terms ` +
      `open, blank where a gate is shut${m.equation ? `; ${m.equation}` : ''}`,
    file: frontRuleFile(search, index),
    size: {
      width: Math.min(1000, 160 + 28 * terms.length),
      height: Math.min(1400, 110 + Math.max(40, 12 * rows.length)),
    },
    option: {
      tooltip: { position: 'top' },
      grid: { left: 140, bottom: 90, right: 20, top: 20 },
      xAxis: { type: 'category', data: terms, axisLabel: { rotate: 60, interval: 0 } },
      yAxis: { type: 'category', data: rows, inverse: true, axisLabel: { interval: 0, fontSize: 9 } },
      visualMap: { min: -max, max, show: false, inRange: { color: ['#b2182b', '#f7f7f7', '#2166ac'] } },
      series: [{ type: 'heatmap', data, progressive: 0 }],
    },
  };
}
