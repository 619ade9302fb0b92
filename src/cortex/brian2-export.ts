import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fsx.js';
import type { V1Model } from './model.js';

/** The script `exportBrian2` writes: it reads model.json and the arrays beside it (no neuroplast needed). */
const SCRIPT = String.raw`#!/usr/bin/env python3
"""A V1 column exported by neuroplast (neuroplast v1 export --brian2): the same GLIF3 cells, alpha current synapses,
connections, weights, delays and Poisson background, as a Brian2 script.

Usage: python3 run_brian2.py [standalone|cython|numpy] [SECONDS]
Prints one JSON line: {"target", "neurons", "synapses", "simulated_s", "build_s" (network construction, and for
standalone code generation and compilation), "run_s" (the simulation alone), "rates_hz" (per class), "brian2"}.
"""
import json
import os
import sys
import tempfile
import time

import numpy as np
from brian2 import *  # noqa: F401,F403
import brian2

HERE = os.path.dirname(os.path.abspath(__file__))
target = sys.argv[1] if len(sys.argv) > 1 else "standalone"
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
with open(os.path.join(HERE, "model.json")) as f:
    model = json.load(f)
if target == "standalone":
    set_device("cpp_standalone", directory=tempfile.mkdtemp(prefix="brian2-v1-"), build_on_run=False)
else:
    prefs.codegen.target = target
defaultclock.dt = model["dt_ms"] * ms
seed(model["seed"])


def array(name, dtype):
    return np.fromfile(os.path.join(HERE, name), dtype=dtype)


t0 = time.time()
EQS = """
dv/dt = (-(v - EL) * gL + asc1 + asc2 + Iexc - Iinh + Ibias) / Cm : volt (unless refractory)
dasc1/dt = -k1 * asc1 : amp
dasc2/dt = -k2 * asc2 : amp
dxe/dt = -xe / tau_e : amp
dIexc/dt = (exp(1) * xe - Iexc) / tau_e : amp
dxinh/dt = -xinh / tau_i : amp
dIinh/dt = (exp(1) * xinh - Iinh) / tau_i : amp
vth : volt (constant)
"""
groups, monitors, objects = [], [], []
for c in model["classes"]:
    p = c["params"]
    ns = dict(
        EL=p["eLeakMv"] * mV, gL=p["gLeakNs"] * nS, Cm=p["cmPf"] * pF, Ibias=p.get("biasCurrentPa", 0) * pA,
        k1=p["ascDecayPerMs"][0] / ms, k2=p["ascDecayPerMs"][1] / ms, tau_e=p["tauExcMs"] * ms,
        tau_i=p["tauInhMs"] * ms, Vreset=p["vResetMv"] * mV, A1=p["ascAmpsPa"][0] * pA, A2=p["ascAmpsPa"][1] * pA,
        r1=p.get("ascRetention", [1, 1])[0], r2=p.get("ascRetention", [1, 1])[1],
    )
    g = NeuronGroup(c["size"], EQS, threshold="v > vth", refractory=p["refractoryMs"] * ms,
                    reset="v = Vreset; asc1 = r1 * asc1 + A1; asc2 = r2 * asc2 + A2",
                    method=model["method"], namespace=ns, name="c%d" % len(groups))
    g.v = p["eLeakMv"] * mV
    g.vth = (p["vThreshMv"] + array(c["threshold_offsets"], "<f4").astype(float)) * mV
    bg = PoissonGroup(c["size"], model["background_hz"] * Hz, name="bg%d" % len(groups))
    s = Synapses(bg, g, on_pre="xe_post += %r * pA" % c["background_weight_pa"], name="sbg%d" % len(groups))
    s.connect(j="i")
    groups.append(g)
    objects += [bg, s]
    monitors.append(SpikeMonitor(g, record=False, name="m%d" % len(monitors)))
synapse_count = 0
for k, pw in enumerate(model["pathways"]):
    receptor = "xe" if pw["excitatory"] else "xinh"
    s = Synapses(groups[pw["pre"]], groups[pw["post"]], "w : amp (constant)", on_pre="%s_post += w" % receptor,
                 delay=pw["delay_ms"] * ms, name="p%d" % k)
    pre = array(pw["pre_file"], "<i4")
    if len(pre):
        s.connect(i=pre, j=array(pw["post_file"], "<i4"))
        s.w = array(pw["weight_file"], "<f4").astype(float) * pA
    synapse_count += len(pre)
    objects.append(s)
net = Network(groups, monitors, objects)
net.run(seconds * second)
if target == "standalone":
    device.build(compile=True, run=False)
    build_s = time.time() - t0
    t1 = time.time()
    device.run()
    run_s = time.time() - t1
else:
    build_s = 0.0
    run_s = time.time() - t0
print(json.dumps({
    "target": target, "neurons": sum(c["size"] for c in model["classes"]), "synapses": synapse_count,
    "simulated_s": seconds, "build_s": round(build_s, 3), "run_s": round(run_s, 3),
    "rates_hz": {c["name"]: int(m.num_spikes) / c["size"] / seconds for c, m in zip(model["classes"], monitors)},
    "brian2": brian2.__version__,
}))
`;

/**
 * Writes `model` as a standalone Brian2 script with its data: DIR/run_brian2.py, DIR/model.json (classes, GLIF3
 * parameters, background, pathways) and little-endian arrays (threshold offsets per class; pre, post and weight per
 * pathway). The script needs only Brian2 and numpy. `method` is Brian2's integrator for the cells ('exact' solves the
 * linear equations as neuroplast does; 'exponential_euler' builds faster).
 */
export async function exportBrian2(
  model: V1Model,
  dir: string,
  method: 'exact' | 'exponential_euler' = 'exact',
): Promise<{ files: string[] }> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  const write = async (name: string, data: string | Uint8Array) => {
    await writeFileAtomic(join(dir, name), data);
    files.push(name);
  };
  const bytes = (a: Int32Array | Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const classes = [];
  for (const [id, c] of model.classes.entries()) {
    const file = `threshold-offsets-${id}.f32`;
    await write(file, bytes(c.thresholdOffsetMv));
    classes.push({
      name: c.name,
      size: c.size,
      params: c.params,
      background_weight_pa: c.backgroundWeightPa,
      threshold_offsets: file,
    });
  }
  const pathways = [];
  for (const [k, p] of model.column.pathways.entries()) {
    const scale = model.weightScale[p.pre * model.classes.length + p.post];
    const names = {
      pre_file: `pathway-${k}-pre.i32`,
      post_file: `pathway-${k}-post.i32`,
      weight_file: `pathway-${k}-w.f32`,
    };
    await write(names.pre_file, bytes(p.preIndex));
    await write(names.post_file, bytes(p.postIndex));
    await write(names.weight_file, bytes(scale === 1 ? p.weightPa : p.weightPa.map((w) => w * scale)));
    pathways.push({ pre: p.pre, post: p.post, excitatory: p.excitatory, delay_ms: p.delayMs, ...names });
  }
  await write(
    'model.json',
    JSON.stringify({
      format: 'neuroplast-v1-brian2',
      dt_ms: model.dtMs,
      seed: model.seed,
      method,
      background_hz: model.backgroundHz,
      classes,
      pathways,
    }),
  );
  await write('run_brian2.py', SCRIPT);
  return { files };
}
