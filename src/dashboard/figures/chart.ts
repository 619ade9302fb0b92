/**
 * The dashboard's charts as data: each view builds its figures here (no page needed), the page draws them with a
 * canvas and exports them, `neuroplast plot` renders the same figures to SVG in Node.
 */
import { BarChart, HeatmapChart, LineChart, ParallelChart, ScatterChart } from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  ParallelComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

// Only the parts the views use are bundled (Apache ECharts is tree-shaken).
echarts.use([
  BarChart,
  LineChart,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  HeatmapChart,
  ParallelChart,
  ScatterChart,
  GridComponent,
  ParallelComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
  SVGRenderer,
]);

export { echarts };
export type ChartOption = echarts.EChartsCoreOption;

/** One chart: its caption, the file name its exports take (without extension), its option and size in pixels. */
export interface ChartFigure {
  caption: string;
  file: string;
  option: ChartOption;
  size: { width: number; height: number };
}

/** The figure as SVG text, drawn by ECharts' SVG renderer without a page (server-side rendering). */
export function chartSvg(f: ChartFigure, option: ChartOption = f.option): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, ...f.size });
  try {
    chart.setOption({ ...option, animation: false });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** A name safe as part of a file name. */
export const fileSlug = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-');

/** The file name of a weight tensor's picture (the weights view's export and `neuroplast plot weights --figure`). */
export const weightsFile = (layer: string) => `weights-${fileSlug(layer)}`;
