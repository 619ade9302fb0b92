import { api, getJson } from './api.js';
import { imageFigure } from './charts.js';
import { el, RedrawThrottle, type DashboardView } from './views.js';

interface MonitorListing {
  kind: 'spikes' | 'rate' | 'weights';
  name: string;
  file: string;
  bytes: number;
}

const throttle = new RedrawThrottle();
const KIND_TITLE = { spikes: 'spike raster', rate: 'population rate', weights: 'weights over time' };

/**
 * What a spiking run's monitors recorded (`net.exportMonitors` CSVs): a raster per spike monitor, the population
 * rate per rate monitor, the weight distribution over time per weight monitor; drawn by the server in bounded
 * memory (large rasters binned to pixels, long rates reduced per pixel column), as reports draw them.
 */
export const spikingView: DashboardView = {
  name: 'spiking',
  title: 'Spikes, rates and weights',
  applies: (ctx) => ctx.runs.some((r) => r.files.monitors),
  async render(root, ctx) {
    throttle.rendered(root);
    root.replaceChildren();
    for (const r of ctx.runs.filter((x) => x.files.monitors)) {
      const { monitors, more } = await getJson<{ monitors: MonitorListing[]; more: number }>(
        `/api/runs/${r.id}/monitors`,
      );
      const box = el('div', undefined, { class: 'monitors', 'data-run': r.id });
      root.append(box);
      if (!monitors.length) box.append(el('p', `${r.label}: no monitor file yet.`));
      for (const m of monitors) {
        const src = api.image(
          `/api/runs/${r.id}/monitor.svg?file=${encodeURIComponent(m.file)}&width=720&v=${m.bytes}`,
        );
        imageFigure(
          box,
          `${r.label}: ${KIND_TITLE[m.kind]} of ${m.name} (${m.file})`,
          `${m.kind}-${m.name}`,
          src,
        );
      }
      if (more) box.append(el('p', `${more} more monitor files are not shown.`));
    }
  },
  dispose: (root) => throttle.cancel(root),
  async update(root, ctx, id) {
    if (ctx.runs.some((r) => r.id === id && r.files.monitors))
      await throttle.request(
        root,
        () => this.render(root, ctx),
        () => ctx.rerender(this.name),
      );
  },
};
