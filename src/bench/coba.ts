import { cobaNetwork } from '../spiking/index.js';
import { getBackend } from '../engine/index.js';
import { runPythonAnchor } from './anchors.js';

/**
 * The Vogels-Abbott COBA network (4000 LIF, 2% connectivity, dt 0.1 ms): wall seconds per simulated second, mean
 * rate and ISI CV; Brian2's C++ standalone mode runs the same network side by side when python3-brian is installed.
 */
export function benchCoba(seconds = 1): Record<string, unknown> {
  const t0 = performance.now();
  const { net, spikes } = cobaNetwork({ seed: 1 });
  const t1 = performance.now();
  net.run(seconds * 1000);
  const wall = (performance.now() - t1) / 1000;
  const n = spikes[0].times.length + spikes[1].times.length;
  const cv =
    (spikes[0].meanCvIsi() * spikes[0].group.size + spikes[1].meanCvIsi() * spikes[1].group.size) / 4000;
  const out: Record<string, unknown> = {
    neurons: 4000,
    simulated_s: seconds,
    backend: getBackend().name,
    build_s: Number(((t1 - t0) / 1000).toFixed(3)),
    wall_s_per_sim_s: Number((wall / seconds).toFixed(4)),
    mean_rate_hz: Number((n / 4000 / seconds).toFixed(3)),
    cv_isi: Number(cv.toFixed(4)),
  };
  const brian = runPythonAnchor('brian2_coba_bench.py', ['standalone', String(seconds)], 600_000);
  if (brian.result) {
    const perSim = Number(brian.result.run_s) / seconds;
    out.brian2_version = brian.result.brian2;
    out.brian2_standalone_s_per_sim_s = Number(perSim.toFixed(4));
    out.brian2_mean_rate_hz = Number((Number(brian.result.spikes) / 4000 / seconds).toFixed(3));
    out.ratio_vs_brian2_standalone = Number((perSim / (wall / seconds)).toFixed(3));
  } else {
    out.brian2 = `not run: ${brian.reason}`;
  }
  return out;
}
