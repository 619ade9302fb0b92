import type { HistogramInfo, RunSummary, SeriesInfo } from './api.js';

/** What a view is given: the selected runs, their series and the page's settings. */
export interface ViewContext {
  runs: RunSummary[];
  series: Map<string, SeriesInfo[]>;
  /** Each selected run's histograms over time (numeric arrays in its metrics). */
  histograms: Map<string, HistogramInfo[]>;
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

/**
 * Redraws of a panel while a run writes, at most one per `ms` (a finished cell or a checkpoint is one metrics line,
 * and fetching its data again for every line would only repeat work). The render marks itself with `rendered`.
 */
export class RedrawThrottle {
  private readonly last = new WeakMap<HTMLElement, number>();
  private readonly trailing = new WeakMap<HTMLElement, ReturnType<typeof setTimeout>>();
  constructor(private readonly ms = 5000) {}

  /** Called at the start of each render: the pending redraw is no longer needed. */
  rendered(root: HTMLElement): void {
    this.cancel(root);
    this.last.set(root, Date.now());
  }

  cancel(root: HTMLElement): void {
    clearTimeout(this.trailing.get(root));
    this.trailing.delete(root);
  }

  /**
   * Renders now (this runs in the page's queue) if the last render is old enough, else once when the wait is over,
   * through `later` (the page's queue again: `ctx.rerender(name)`), so no render races another.
   */
  async request(root: HTMLElement, render: () => Promise<void>, later: () => void): Promise<void> {
    const wait = (this.last.get(root) ?? 0) + this.ms - Date.now();
    if (wait <= 0) return render();
    if (!this.trailing.has(root))
      this.trailing.set(
        root,
        setTimeout(() => {
          this.trailing.delete(root);
          if (root.isConnected) later();
        }, wait),
      );
  }
}
