import { offlineAnswer, offlineImage, reportData } from './offline.js';

export type { HistogramData, HistogramInfo, RunSummary, SeriesData, SeriesInfo } from './types.js';
import type { HistogramData, HistogramInfo, RunSummary, SeriesData, SeriesInfo } from './types.js';

/** The token the page was opened with (a server on another host than loopback asks for it). */
const token = new URLSearchParams(location.search).get('token');

export async function getJson<T>(path: string): Promise<T> {
  const report = reportData();
  // Inside a report.html: the data written into the page answers.
  if (report) return offlineAnswer(report, path) as T;
  const res = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${(await res.text()).trim()}`);
  return (await res.json()) as T;
}

export const api = {
  runs: () => getJson<{ runs: RunSummary[] }>('/api/runs').then((r) => r.runs),
  run: (id: string) => getJson<{ run: RunSummary; summary: unknown; config: unknown }>(`/api/runs/${id}`),
  series: (id: string) =>
    getJson<{ lines: number; skipped: number; series: SeriesInfo[]; histograms: HistogramInfo[] }>(
      `/api/runs/${id}/series`,
    ),
  histogram: (id: string, key: string) =>
    getJson<HistogramData>(`/api/runs/${id}/histogram?key=${encodeURIComponent(key)}`),
  data: (id: string, key: string, buckets: number, smoothing = 0) =>
    getJson<SeriesData>(
      `/api/runs/${id}/data?key=${encodeURIComponent(key)}&buckets=${Math.floor(buckets)}&smoothing=${smoothing}`,
    ),
  cell: (id: string, name: string) =>
    getJson<unknown>(`/api/runs/${id}/cell?name=${encodeURIComponent(name)}`),
  /** Live updates (a report, finished when written, has none: a stream that never speaks). */
  events: (): EventSource =>
    reportData()
      ? (new EventTarget() as EventSource)
      : new EventSource(token ? `/api/events?token=${encodeURIComponent(token)}` : '/api/events'),
  /** Where a picture the server draws is: its path, or inside a report the picture itself. */
  image: (path: string) => {
    const report = reportData();
    return report ? offlineImage(report, path) : path;
  },
};
