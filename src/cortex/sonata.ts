/**
 * The V1 model in SONATA: `exportV1Sonata` writes the running model (its GLIF3 cells as NEST glif_psc, per-neuron
 * thresholds, recurrent connections with their weights and delays, background and LGN inputs as virtual nodes)
 * with each class's and pathway's metadata as type columns, and `describeV1Sonata` reads a circuit written so back
 * into the description `neuroplast v1 describe` prints.
 */
import { ConfigError } from '../util/errors.js';
import {
  edgeColumn,
  exportSonata,
  type SonataCircuit,
  type SonataExportOptions,
  type SonataExportResult,
} from '../sonata/index.js';
import type { Connection, SpikeSource } from '../spiking/index.js';
import type { ColumnDescription, V1Column } from './column.js';
import { buildV1Network, type V1Model } from './model.js';

/** What the circuit config carries for the V1 model to describe itself again. */
interface V1SonataMetadata {
  model: 'v1';
  neurons: number;
  seed: number;
  radius_um: number;
  tables: string;
}

const round = (v: number, digits = 4) => Number(v.toPrecision(digits));

/** The numeric columns of each pathway's edge type that `describeV1Sonata` reads. */
const PATHWAY_COLUMNS = [
  'pathway_pre',
  'pathway_post',
  'synapses',
  'expected_in_degree',
  'core_in_degree',
  'probability_scale',
  'weight_scale',
  'model_weight_scale',
  'column_delay_ms',
] as const;

/** Writes the V1 model as SONATA under `dir` (population `v1`, inputs `inputs`). */
export async function exportV1Sonata(
  model: V1Model,
  dir: string,
  tablesSource: string,
  options: Pick<SonataExportOptions, 'tstopMs' | 'poissonSpikes' | 'seed'> = {},
): Promise<SonataExportResult> {
  const built = buildV1Network(model);
  const column: V1Column = model.column;
  const classOf = new Map<SpikeSource, number>(built.groups.map((g, i) => [g, i]));
  const pathwayOf = new Map(built.projections.map((p, i) => [p, column.pathways[i]]));
  const metadata: V1SonataMetadata = {
    model: 'v1',
    neurons: column.neurons,
    seed: column.seed,
    radius_um: column.radiusUm,
    tables: tablesSource,
  };
  return exportSonata(built.net, dir, {
    ...options,
    population: 'v1',
    inputPopulation: 'inputs',
    circuitExtras: { neuroplast: metadata },
    nodeTypeColumns: (g): Record<string, string | number> => {
      const id = classOf.get(g);
      if (id === undefined) return {};
      const c = column.classes[id];
      return { class_id: id, class_key: c.key, class_ei: c.ei };
    },
    nodeAttributes: (g) => {
      const id = classOf.get(g);
      if (id === undefined) return undefined;
      const c = column.classes[id];
      return { x: c.xUm, y: c.yUm, z: c.depthUm, tuning_angle: c.tuningDeg };
    },
    edgeTypeColumns: (conn: Connection): Record<string, string | number> => {
      const p = pathwayOf.get(conn.projection);
      if (!p) return {};
      return {
        pathway_pre: p.pre,
        pathway_post: p.post,
        synapses: p.synapses,
        expected_in_degree: p.expectedInDegree,
        core_in_degree: p.coreInDegree,
        probability_scale: p.probabilityScale,
        weight_scale: p.weightScale,
        model_weight_scale: model.weightScale[p.pre * column.classes.length + p.post],
        column_delay_ms: p.delayMs,
      };
    },
  });
}

/** The `v1 describe` description of a V1 model read back from SONATA (as `exportV1Sonata` wrote it). */
export function describeV1Sonata(circuit: SonataCircuit): ColumnDescription & { tables: string } {
  const meta = (circuit.extras.neuroplast ?? null) as V1SonataMetadata | null;
  const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (
    meta &&
    meta.model === 'v1' &&
    !(finite(meta.neurons) && finite(meta.radius_um) && typeof meta.tables === 'string')
  )
    throw new ConfigError(
      `${circuit.config}: neuroplast`,
      `expected numbers neurons and radius_um and a string tables, found ${JSON.stringify(meta)}`,
    );
  if (!meta || meta.model !== 'v1')
    throw new ConfigError(
      circuit.config,
      'expected a V1 model written by neuroplast (a "neuroplast" entry with model "v1"), found none',
    );
  const v1 = circuit.nodes.find((n) => n.population === 'v1');
  const edges = circuit.edges.find((e) => e.source === 'v1' && e.target === 'v1');
  if (!v1 || !edges)
    throw new ConfigError(circuit.config, 'expected a v1 population with its v1 -> v1 edges');
  const counts = new Map<number, number>();
  for (const t of v1.nodeTypeId) counts.set(t, (counts.get(t) ?? 0) + 1);
  const types = [...v1.types.values()].filter((t) => typeof t.columns.class_id === 'number');
  const classes = types
    .map((t) => ({
      id: t.columns.class_id as number,
      name: String(t.columns.pop_name),
      ei: t.columns.class_ei as 'E' | 'I',
      count: counts.get(t.id) ?? 0,
    }))
    .sort((a, b) => a.id - b.id);
  const byId = new Map(classes.map((c) => [c.id, c]));
  const weights = edgeColumn(edges, 'syn_weight');
  const perType = new Map<number, { n: number; sum: number }>();
  for (let k = 0; k < weights.length; k++) {
    const s =
      perType.get(edges.edgeTypeId[k]) ??
      perType.set(edges.edgeTypeId[k], { n: 0, sum: 0 }).get(edges.edgeTypeId[k])!;
    s.n++;
    s.sum += Math.abs(weights[k]);
  }
  const pathways = [...edges.types.values()]
    .filter((t) => typeof t.columns.pathway_pre === 'number')
    .sort((a, b) => a.id - b.id)
    .map((t) => {
      const c = t.columns as Record<string, number>;
      const where = `${edges.typesFile}: edge type ${t.id}`;
      for (const k of PATHWAY_COLUMNS)
        if (!finite(c[k]))
          throw new ConfigError(where, `${k}: expected a number, found ${JSON.stringify(t.columns[k])}`);
      const s = perType.get(t.id) ?? { n: 0, sum: 0 };
      const pre = byId.get(c.pathway_pre);
      const post = byId.get(c.pathway_post);
      if (!pre || !post)
        throw new ConfigError(
          where,
          `pathway_pre, pathway_post: expected class ids of ${v1.typesFile} (${[...byId.keys()].join(', ')}), found ${c.pathway_pre}, ${c.pathway_post}`,
        );
      return {
        pre: pre.name,
        post: post.name,
        connections: s.n,
        meanInDegree: round(s.n / post.count),
        expectedInDegree: round(c.expected_in_degree),
        coreInDegree: round(c.core_in_degree),
        probabilityScale: round(c.probability_scale),
        weightScale: round(c.weight_scale),
        meanWeightPa: round(s.sum / c.model_weight_scale / Math.max(1, s.n)),
        delayMs: c.column_delay_ms,
        synapses: c.synapses,
      };
    });
  return {
    neurons: meta.neurons,
    radiusUm: round(meta.radius_um),
    connections: pathways.reduce((s, p) => s + p.connections, 0),
    synapses: pathways.reduce((s, p) => s + p.synapses, 0),
    classes,
    pathways: pathways.map((p) => {
      const copy: Partial<typeof p> = { ...p };
      delete copy.synapses;
      return copy as Omit<typeof p, 'synapses'>;
    }),
    tables: meta.tables,
  };
}
