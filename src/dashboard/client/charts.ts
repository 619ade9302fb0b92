/**
 * Heatmaps, scatter plots and parallel coordinates (Apache ECharts, only the parts used are bundled), each in a
 * figure with PNG and SVG export for papers.
 */
import { CanvasRenderer } from 'echarts/renderers';
import { chartSvg, echarts, type ChartFigure } from '../figures/chart.js';
import { el } from './views.js';

echarts.use([CanvasRenderer]);

export type { ChartFigure, ChartOption } from '../figures/chart.js';

const download = (name: string, href: string) => el('a', undefined, { download: name, href }).click();

/** A chart in a figure with its caption and PNG and SVG export. Returns the chart (to update or click). */
export function figure(parent: HTMLElement, f: ChartFigure): echarts.ECharts {
  const { caption, file, option, size } = f;
  const box = el('figure', undefined, { class: 'chart', 'data-chart': file });
  const cap = el('figcaption', caption);
  const area = el('div', undefined, {
    class: 'echart',
    style: `width:${size.width}px;height:${size.height}px`,
  });
  box.append(cap, area);
  parent.append(box);
  const chart = echarts.init(area, null, { renderer: 'canvas', ...size });
  chart.setOption({ animation: false, ...option });
  const png = el('button', 'PNG', { type: 'button', class: 'export' });
  png.addEventListener('click', () =>
    download(`${file}.png`, chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#fff' })),
  );
  const svg = el('button', 'SVG', { type: 'button', class: 'export' });
  svg.addEventListener('click', () => {
    // The chart as it is now (after the reader's zoom or legend clicks), drawn by the SVG renderer off screen.
    const text = chartSvg(f, chart.getOption() as ChartFigure['option']);
    const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
    download(`${file}.svg`, url);
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
  cap.append(' ', png, ' ', svg);
  return chart;
}

/** Disposes a chart. */
function disposeChart(chart: echarts.ECharts): void {
  // A large chart paints progressively over several frames, and zrender's next frame reads its canvas painter
  // after dispose has nulled it (a TypeError in the page). A new redraw id makes that frame return at once.
  const painter = (chart.getZr() as unknown as { painter?: { _redrawId?: number } }).painter;
  if (painter && '_redrawId' in painter) painter._redrawId = NaN;
  chart.dispose();
}

/** Disposes the charts under `root` (before it is emptied). */
export function disposeCharts(root: HTMLElement): void {
  root.querySelectorAll<HTMLElement>('.echart').forEach((area) => {
    const chart = echarts.getInstanceByDom(area);
    if (chart) disposeChart(chart);
  });
}

/** A labelled select whose options are `values`; calls `onChange` with the new value. */
export function picker(
  parent: HTMLElement,
  label: string,
  values: string[],
  value: string,
  onChange: (v: string) => void,
): HTMLSelectElement {
  const select = el('select', undefined, { 'aria-label': label });
  for (const v of values) select.append(el('option', v, { value: v }));
  select.value = value;
  select.addEventListener('change', () => onChange(select.value));
  parent.append(el('label', `${label} `), select, document.createTextNode(' '));
  return select;
}

/**
 * A picture the server draws (`src`: an SVG or PNG of this dashboard) in a figure with PNG and SVG-or-PNG export;
 * when the server cannot draw it, its one-line reason in place of the picture.
 */
export function imageFigure(
  parent: HTMLElement,
  caption: string,
  file: string,
  src: string,
): HTMLImageElement {
  const box = el('figure', undefined, { class: 'chart', 'data-chart': file });
  const cap = el('figcaption', caption);
  const img = el('img', undefined, { alt: caption, class: 'plot' });
  const isSvg = /\.svg(\?|$)/.test(src);
  img.addEventListener('error', () => {
    void fetch(src)
      .then(async (res) => (res.ok ? 'not an image' : (await res.text()).trim()))
      .catch((err: Error) => err.message)
      .then((why) => img.replaceWith(el('p', `${caption}: ${why}`, { class: 'error' })));
  });
  img.src = src;
  const png = el('button', 'PNG', { type: 'button', class: 'export' });
  png.addEventListener('click', () => {
    // Drawn at twice its size, on white, as the charts export.
    const canvas = el('canvas', undefined, {
      width: String(2 * img.naturalWidth),
      height: String(2 * img.naturalHeight),
    });
    const g = canvas.getContext('2d')!;
    g.fillStyle = '#fff';
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.drawImage(img, 0, 0, canvas.width, canvas.height);
    download(`${file}.png`, canvas.toDataURL('image/png'));
  });
  cap.append(' ', png);
  if (isSvg) {
    const svg = el('button', 'SVG', { type: 'button', class: 'export' });
    svg.addEventListener('click', () => download(`${file}.svg`, src));
    cap.append(' ', svg);
  }
  box.append(cap, img);
  parent.append(box);
  return img;
}
