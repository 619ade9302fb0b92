/**
 * The registry of views `neuroplast plot` exports (the built-in ones are in plot-views.ts, loaded when a figure is
 * asked for, so that commands which draw nothing do not load the chart library).
 */

/** A figure a run has: its name, what it shows, the format it is drawn in, and how to draw it. */
export interface PlotFigure {
  name: string;
  caption: string;
  format: 'svg' | 'png';
  /** SVG text or PNG bytes; `size` replaces a chart's own size. */
  draw(size?: { width?: number; height?: number }): Promise<string | Buffer>;
}

export interface PlotView {
  name: string;
  /** The figures run directory `dir` has for this view (none: the view does not apply to it). */
  figures(dir: string): Promise<PlotFigure[]>;
}

/** The views plot-views.ts registers (named here so the CLI's help lists them without loading them). */
export const BUILT_IN_PLOT_VIEWS = [
  'accuracy-matrix',
  'distributions',
  'fronts',
  'neuromodulators',
  'v1-rates',
  'spiking',
  'receptive-fields',
  'weights',
] as const;

const registry = new Map<string, PlotView>();

export function registerPlotView(view: PlotView): void {
  registry.set(view.name, view);
}

export const plotView = (name: string) => registry.get(name);
export const plotViewNames = () => [...new Set([...BUILT_IN_PLOT_VIEWS, ...registry.keys()])];
