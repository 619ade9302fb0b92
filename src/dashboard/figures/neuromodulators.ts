import type { ModulatorRecord } from '../../experiments/kinds/continual/cell.js';
import { fileSlug, type ChartFigure, type ChartOption } from './chart.js';

/** What the view reads of a go-nogo cell (cells/<learner>-<condition>-s<seed>.json; older cells lack `levels`). */
export interface GoNoGoCell {
  blocks: {
    block: number;
    shift: string;
    trials: number;
    accuracy: number;
    trialsToCriterion: number | null;
  }[];
  entropy: number[];
  noradrenaline: number[];
  temperature: number[];
  levels?: Record<string, number[]>;
  plasticityRate?: number[];
}

/** A vertical line at `x` with a label (a shift, a context change, a detected change). */
export interface Mark {
  x: number;
  label: string;
  style?: 'detected';
}

const LINE_STYLES = {
  marked: { color: '#888', type: 'dashed' },
  detected: { color: '#d62728', type: 'dotted' },
} as const;

/** Lines against `xName` (each point [x, y]), with vertical marks. */
export function traceOption(
  lines: { name: string; data: [number, number][] }[],
  marks: Mark[],
  xName: string,
  yName: string,
  xRange: [number, number],
): ChartOption {
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 60, right: 20, top: 40, bottom: 50 },
    xAxis: {
      type: 'value',
      name: xName,
      nameLocation: 'middle',
      nameGap: 30,
      min: xRange[0],
      max: Math.max(xRange[0] + 1, xRange[1]),
    },
    yAxis: { type: 'value', name: yName },
    series: lines.map((l, i) => ({
      type: 'line',
      name: l.name,
      showSymbol: false,
      data: l.data,
      ...(i === 0
        ? {
            markLine: {
              symbol: 'none',
              silent: true,
              lineStyle: LINE_STYLES.marked,
              data: marks.map((m) => ({
                xAxis: m.x,
                // Detections low on the line, so a change and its detection a few steps later stay legible.
                label: { formatter: m.label, position: m.style ? 'insideStartTop' : 'insideEndTop' },
                ...(m.style ? { lineStyle: LINE_STYLES[m.style] } : {}),
              })),
            },
          }
        : {}),
    })),
  };
}

const perTrial = (y: number[]): [number, number][] => y.map((v, t) => [t + 1, v]);

/** Go/No-Go: each modulator's level per trial and what they drive, each block's shift marked. */
export function goNoGoFigures(
  label: string,
  pick: { learner: string; condition: string; seed: string },
  cell: GoNoGoCell,
): ChartFigure[] {
  const levels =
    cell.levels && Object.keys(cell.levels).length ? cell.levels : { noradrenaline: cell.noradrenaline };
  const what = `${label}: ${pick.learner}, ${pick.condition}, seed ${pick.seed}`;
  const name = `${pick.learner}-${pick.condition}-s${pick.seed}`;
  let start = 0;
  const marks = cell.blocks.map((b) => {
    const at = start;
    start += b.trials;
    return { x: at + 1, label: b.shift };
  });
  // The first block starts the task: no shift to mark.
  marks.shift();
  const range: [number, number] = [1, start];
  return [
    {
      caption: `${what}: neuromodulator levels per trial (0 where removed); dashed lines: the shifts`,
      file: `modulators-${name}`,
      size: { width: 720, height: 320 },
      option: traceOption(
        Object.entries(levels).map(([n, y]) => ({ name: n, data: perTrial(y) })),
        marks,
        'trial',
        'level',
        range,
      ),
    },
    {
      caption: `${what}: what they drive: exploration temperature, the actor's plasticity rate and H(A|C), the action entropy`,
      file: `targets-${name}`,
      size: { width: 720, height: 320 },
      option: traceOption(
        [
          { name: 'temperature', data: perTrial(cell.temperature) },
          ...(cell.plasticityRate ? [{ name: 'plasticity rate', data: perTrial(cell.plasticityRate) }] : []),
          { name: 'H(A|C) (bits)', data: perTrial(cell.entropy) },
        ],
        marks,
        'trial',
        'value',
        range,
      ),
    },
  ];
}

/** What the view reads of a task-free continual cell (cells/<method>-<scenario>-s<seed>.json). */
export interface TaskFreeCell {
  method: string;
  scenario: string;
  seed: number;
  contexts?: unknown[][];
  modulators: ModulatorRecord;
}

const numbers = (v: unknown, max: number) =>
  Array.isArray(v) && v.length <= max && v.every((x) => typeof x === 'number' || x === null);

/** A cell file with a modulator trace of the shape taskFreeFigures draws (a cell file is run data: checked). */
export function isTaskFreeCell(v: unknown): v is TaskFreeCell {
  if (!v || typeof v !== 'object') return false;
  const c = v as Partial<TaskFreeCell>;
  const m = c.modulators as Partial<TaskFreeCell['modulators']> | undefined;
  return (
    typeof c.method === 'string' &&
    typeof c.scenario === 'string' &&
    typeof c.seed === 'number' &&
    !!m &&
    typeof m === 'object' &&
    typeof m.every === 'number' &&
    m.every >= 1 &&
    typeof m.steps === 'number' &&
    numbers(m.contextStarts, 10_000) &&
    numbers(m.detectedAt, 10_000) &&
    !!m.values &&
    typeof m.values === 'object' &&
    Object.keys(m.values).length <= 16 &&
    Object.values(m.values).every((y) => numbers(y, 100_000))
  );
}

/** A task-free cell's figure names: `modulators-...` (the signal and noradrenaline) and `targets-...`. */
export const taskFreeFile = (
  chart: 'modulators' | 'targets',
  c: { method: string; scenario: string; seed: number },
) => `${chart}-${fileSlug(c.method)}-${fileSlug(c.scenario)}-s${c.seed}`;

/** Which trace goes in which chart: the signal and the modulator, then what they drive. */
const SIGNALS = ['surprise', 'noradrenaline'];

/**
 * A task-free continual cell: the surprise and noradrenaline step by step, then what they drive (plasticity rate,
 * replayed share), the true context changes dashed (the learner is not told them) and its detections dotted red.
 */
export function taskFreeFigures(label: string, cell: TaskFreeCell): ChartFigure[] {
  const m = cell.modulators;
  const what = `${label}: ${cell.method}, ${cell.scenario}-incremental, seed ${cell.seed}`;
  const marks: Mark[] = [
    ...m.contextStarts.slice(1).map((x, i) => {
      const classes = cell.contexts?.[i + 1];
      return { x, label: `context ${i + 2}${Array.isArray(classes) ? ` (${classes.join(',')})` : ''}` };
    }),
    ...m.detectedAt.map((x) => ({ x, label: 'detected', style: 'detected' as const })),
  ];
  const line = (n: string) => ({
    name: n,
    data: m.values[n].map((v, k): [number, number] => [k * m.every, v]),
  });
  const names = Object.keys(m.values);
  const signals = names.filter((n) => SIGNALS.includes(n));
  const driven = names.filter((n) => !SIGNALS.includes(n));
  const every = m.every > 1 ? ` (each point the largest of ${m.every} steps)` : '';
  const range: [number, number] = [0, m.steps];
  const figures: ChartFigure[] = [];
  if (signals.length)
    figures.push({
      caption: `${what}: surprise (z of the loss) and noradrenaline per step${every}; dashed: the true context changes (not told), dotted red: the changes it detected`,
      file: taskFreeFile('modulators', cell),
      size: { width: 720, height: 320 },
      option: traceOption(signals.map(line), marks, 'step', 'level', range),
    });
  if (driven.length)
    figures.push({
      caption: `${what}: what noradrenaline drives: ${driven.join(', ')}${every}`,
      file: taskFreeFile('targets', cell),
      size: { width: 720, height: 320 },
      option: traceOption(driven.map(line), marks, 'step', 'value', range),
    });
  return figures;
}
