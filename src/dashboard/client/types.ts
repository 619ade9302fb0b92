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
