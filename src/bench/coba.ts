import { cobaNetwork, Network, type SpikeMonitor } from '../spiking/index.js';
import { getBackend } from '../engine/index.js';
import { runPythonAnchor } from './anchors.js';

/**
 * Runs a benchmark network `seconds` (simulated) and, when python3-brian is installed, Brian2's C++ standalone run of
 * the same network side by side through `anchorScript` (one JSON line {run_s, spikes, cv, brian2}, compile excluded):
 * wall seconds per simulated second, mean rate and mean ISI CV of both, and Brian2's time over ours.
 */
export function benchSpikingNetwork(
  build: () => { net: Network; spikes: SpikeMonitor[] },
  anchorScript: string,
  seconds: number,
): Record<string, unknown> {
  const t0 = performance.now();
  const { net, spikes } = build();
  const t1 = performance.now();
  net.run(seconds * 1000);
  const wall = (performance.now() - t1) / 1000;
  const neurons = spikes.reduce((n, m) => n + m.group.size, 0);
  const count = spikes.reduce((n, m) => n + m.times.length, 0);
  // Each group's mean CV weighted by its size (as the Brian2 side's mean over neurons with at least 3 spikes, when
  // nearly all have).
  const cv = spikes.reduce((s, m) => s + m.meanCvIsi() * m.group.size, 0) / neurons;
  const out: Record<string, unknown> = {
    neurons,
    simulated_s: seconds,
    backend: getBackend().name,
    build_s: Number(((t1 - t0) / 1000).toFixed(3)),
    wall_s_per_sim_s: Number((wall / seconds).toFixed(4)),
    mean_rate_hz: Number((count / neurons / seconds).toFixed(3)),
    cv_isi: Number(cv.toFixed(4)),
    ...operationOverhead(wall / Math.round((seconds * 1000) / net.dtMs)),
  };
  const brian = runPythonAnchor(anchorScript, ['standalone', String(seconds)], 600_000);
  if (brian.result) {
    const perSim = Number(brian.result.run_s) / seconds;
    out.brian2_version = brian.result.brian2;
    out.brian2_standalone_s_per_sim_s = Number(perSim.toFixed(4));
    out.brian2_mean_rate_hz = Number((Number(brian.result.spikes) / neurons / seconds).toFixed(3));
    out.brian2_cv_isi = brian.result.cv === null ? null : Number(Number(brian.result.cv).toFixed(4));
    out.ratio_vs_brian2_standalone = Number((perSim / (wall / seconds)).toFixed(3));
  } else {
    out.brian2 = `not run: ${brian.reason}`;
  }
  return out;
}

/**
 * The Vogels-Abbott COBA network (4000 LIF, 2% connectivity, dt 0.1 ms): wall seconds per simulated second, mean
 * rate and ISI CV; Brian2's C++ standalone mode runs the same network side by side when python3-brian is installed.
 */
export function benchCoba(seconds = 1): Record<string, unknown> {
  return benchSpikingNetwork(() => cobaNetwork({ seed: 1 }), 'brian2_coba_bench.py', seconds);
}

/**
 * What a network operation that does nothing costs, relative to this network's step. Timing the network with and
 * without one compares two runs whose spread (several %) hides a cost this small, so the operation's own cost per
 * step is measured on a network of one input neuron (200000 steps with and without, alternating, median of 5 pairs)
 * and divided by the benchmark network's measured time per step.
 */
function operationOverhead(secondsPerStep: number, pairs = 5): Record<string, number> {
  const steps = 200_000;
  const time = (withOperation: boolean) => {
    const net = new Network(0.1);
    net.spikeSource('tick', 1, [], []);
    if (withOperation) net.operation(() => {});
    net.run(1); // warm up
    const t0 = performance.now();
    net.run(steps * 0.1);
    return (performance.now() - t0) / 1000 / steps;
  };
  const excess: number[] = [];
  for (let k = 0; k < pairs; k++) {
    const plain = time(false);
    excess.push(time(true) - plain);
  }
  excess.sort((a, b) => a - b);
  const perStep = Math.max(0, excess[Math.floor(pairs / 2)]);
  return {
    noop_operation_ns_per_step: Number((perStep * 1e9).toFixed(1)),
    noop_operation_overhead_pct: Number(((100 * perStep) / secondsPerStep).toFixed(3)),
  };
}
