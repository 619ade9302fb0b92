// Compares COBA's run time between two builds of neuroplast in one process, alternating (load drift hits both):
//   node scripts/ab-coba-builds.mjs OLD_CHECKOUT NEW_CHECKOUT [ROUNDS]
// Each checkout must be built (npm run build). Prints each build's median and range and the paired new/old ratios.
const [oldRoot, newRoot, rounds = '8'] = process.argv.slice(2);
if (!oldRoot || !newRoot) {
  console.error('usage: node scripts/ab-coba-builds.mjs OLD_CHECKOUT NEW_CHECKOUT [ROUNDS]');
  process.exit(2);
}
const { performance } = await import('node:perf_hooks');
const { resolve } = await import('node:path');
const { pathToFileURL } = await import('node:url');
const roots = [resolve(oldRoot), resolve(newRoot)];
const builds = await Promise.all(
  roots.map((r) => import(pathToFileURL(`${r}/build/src/spiking/index.js`).href)),
);
const times = [[], []];
const spikes = [new Set(), new Set()];
for (let k = 0; k < Number(rounds); k++)
  for (const b of k % 2 ? [1, 0] : [0, 1]) {
    const { net, spikes: mon } = builds[b].cobaNetwork({ seed: 1 });
    const t0 = performance.now();
    net.run(1000);
    times[b].push((performance.now() - t0) / 1000);
    spikes[b].add(mon[0].times.length + mon[1].times.length);
  }
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const range = (xs) => `${Math.min(...xs).toFixed(3)}-${Math.max(...xs).toFixed(3)}`;
roots.forEach((r, b) =>
  console.log(
    `${r}: median ${median(times[b]).toFixed(3)} s, range ${range(times[b])}, spikes ${[...spikes[b]]}`,
  ),
);
const ratios = times[1].map((t, k) => t / times[0][k]);
console.log(`new/old: median ${median(ratios).toFixed(3)}, range ${range(ratios)}`);
