/**
 * The recorded mouse V1 units behind the rate targets: 3,156 Allen Neuropixels units with their class label, their
 * spontaneous rate and their mean rate over drifting gratings (`neuropixels/OSI_DSI_neuropixels_v4.csv` in the V1
 * tables folder). The per-class summaries of `rates_by_class.csv` are these units' means and medians; the rule-discovery
 * study compares the model's per-neuron rate distributions with them.
 */
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { DataFormatError, NeuroplastError } from '../util/errors.js';
import { readV1File, type V1Tables } from './tables.js';

export const NEUROPIXELS_UNITS_FILE = {
  path: 'neuropixels/OSI_DSI_neuropixels_v4.csv',
  sha256: '78bbdeccead0f38e04a912d81b5e3407f86ecbbac64156ccc73fa6c0391cf669',
} as const;

/** Per class (in class order), the recorded units' rates (Hz). */
export interface NeuropixelsUnits {
  spontaneousHz: Float64Array[];
  gratingsHz: Float64Array[];
}

/** The unit file's label of a class: VIP stands in for Htr3a, PV for Pvalb, SST for Sst (MANIFEST.md). */
function classOfLabel(label: string, names: readonly string[]): number {
  const name = label.replace(/ VIP$/, ' Htr3a').replace(/ PV$/, ' Pvalb').replace(/ SST$/, ' Sst');
  return names.indexOf(name);
}

/** Reads the recorded units of the tables' folder, each assigned to its class; a unit of no class is refused. */
export async function loadNeuropixelsUnits(
  tables: V1Tables,
  opts: { verifyChecksums?: boolean } = {},
): Promise<NeuropixelsUnits> {
  const file = join(tables.dir, NEUROPIXELS_UNITS_FILE.path);
  const bytes = await readV1File(
    tables.dir,
    NEUROPIXELS_UNITS_FILE.path,
    opts.verifyChecksums === false ? null : NEUROPIXELS_UNITS_FILE.sha256,
  );
  let records: Record<string, string>[];
  try {
    records = parse(bytes.toString('utf8'), { columns: true, delimiter: ' ', skip_empty_lines: true });
  } catch (err) {
    throw new DataFormatError(file, `not valid space-separated values (${(err as Error).message})`);
  }
  const names = tables.classes.map((c) => c.name);
  const spontaneous: number[][] = names.map(() => []);
  const gratings: number[][] = names.map(() => []);
  records.forEach((r, i) => {
    const where = (field: string) => `${file}: line ${i + 2}, ${field}`;
    const label = r.cell_type;
    const c = label === undefined ? -1 : classOfLabel(label, names);
    if (c < 0)
      throw new NeuroplastError(
        `${where('cell_type')}: expected a class label, found ${JSON.stringify(label)}`,
      );
    const rate = (field: string) => {
      const v = Number(r[field]);
      if (r[field] === undefined || !Number.isFinite(v) || v < 0)
        throw new NeuroplastError(`${where(field)}: expected a rate >= 0, found ${JSON.stringify(r[field])}`);
      return v;
    };
    spontaneous[c].push(rate('firing_rate_sp'));
    gratings[c].push(rate('Ave_Rate(Hz)'));
  });
  return {
    spontaneousHz: spontaneous.map((v) => Float64Array.from(v)),
    gratingsHz: gratings.map((v) => Float64Array.from(v)),
  };
}
