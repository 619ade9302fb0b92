// Imports BMTK's point_450glifs example (../shared/sonata beside the repository, or $NEUROPLAST_SHARED/sonata) at its
// own time step and exports it again as SONATA into DIR, for scripts/bmtk-check/run.sh.
//   npm run build && node scripts/sonata-export-450.mjs DIR
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSonataNetwork, exportSonata, readSimulation } from '../build/src/sonata/index.js';

const shared =
  process.env.NEUROPLAST_SHARED ?? join(fileURLToPath(import.meta.url), '..', '..', '..', 'shared');
const sim = await readSimulation(join(shared, 'sonata', 'point_450glifs', 'config.simulation.json'));
const built = buildSonataNetwork(sim.circuit, sim.dtMs, sim.inputs);
const out = process.argv[2];
if (!out) throw new Error('usage: node scripts/sonata-export-450.mjs DIR');
const r = await exportSonata(built.network, out, {
  population: 'v1',
  inputPopulation: 'lgn',
  tstopMs: sim.tstopMs,
});
console.log(JSON.stringify(r));
