import type { RunSummary, SeriesInfo } from './api.js';

/** What a view is given: the selected runs, their series and the page's settings. */
export interface ViewContext {
  runs: RunSummary[];
  series: Map<string, SeriesInfo[]>;
  summaries: Map<string, unknown>;
  /** Each selected run's config.json. */
  configs: Map<string, unknown>;
  /** Asks the page to render view `name` again, in its queue (after a control of the view changed). */
  rerender(name: string): void;
  /** 0 (raw) to 0.99: the weight of TensorBoard's debiased exponential moving average. */
  smoothing: number;
}

/** A panel of the dashboard, shown when the selected runs have its data. Adding a view is one file and one line. */
export interface DashboardView {
  name: string;
  title: string;
  applies(ctx: ViewContext): boolean;
  render(el: HTMLElement, ctx: ViewContext): Promise<void>;
  /** Frees what the panel holds (charts) before the page removes it. */
  dispose?(el: HTMLElement): void;
  /** Brings the panel up to date after run `id` changed (default: render again). */
  update?(el: HTMLElement, ctx: ViewContext, id: string): Promise<void>;
}

const registry = new Map<string, DashboardView>();

export function registerView(view: DashboardView): void {
  registry.set(view.name, view);
}

export function views(): DashboardView[] {
  return [...registry.values()];
}

/** An element with text content (never parsed as markup). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  attrs: Record<string, string> = {},
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}
