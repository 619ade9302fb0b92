import type { RunInfo } from '../runs.js';
import type { ScalarSeries } from '../series.js';

/** What the dashboard's JSON API returns (see server.ts). */
/** A run as the API lists it: the server's description less its paths (types only: nothing of Node is bundled). */
export type RunSummary = Omit<RunInfo, 'dir' | 'root'>;

/** A series as `/series` lists it: its names and how many points it has, not the points. */
export type SeriesInfo = Omit<ScalarSeries, 'x' | 'y'> & { points: number };

/** A histogram over time as `/series` lists it (rows kept and bins per row, not the counts). */
export interface HistogramInfo {
  key: string;
  group: string;
  field: string;
  xField: string;
  rows: number;
  bins: number;
}

export interface HistogramData {
  key: string;
  xField: string;
  x: number[];
  rows: number[][];
  range: [number, number] | null;
  stride: number;
}

export interface SeriesData {
  key: string;
  xField: string;
  points: number;
  x: number[];
  y: number[];
}

/** The token the page was opened with (a server on another host than loopback asks for it). */
const token = new URLSearchParams(location.search).get('token');

export async function getJson<T>(path: string): Promise<T> {
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
  events: () => new EventSource(token ? `/api/events?token=${encodeURIComponent(token)}` : '/api/events'),
};
