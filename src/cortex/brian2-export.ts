import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NeuroplastError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fsx.js';
import { Glif3Param } from '../engine/index.js';
import { glif3Propagator } from '../spiking/index.js';
import type { V1Model } from './model.js';

/** The names of the propagator's slots, in Glif3Param order. */
const SLOTS = Object.keys(Glif3Param).filter((k) => Number.isNaN(Number(k)) && k !== 'SIZE');

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
import shutil
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
BUILD_DIR = tempfile.mkdtemp(prefix="brian2-v1-")
if target == "standalone":
    set_device("cpp_standalone", directory=BUILD_DIR, build_on_run=False)
else:
    prefs.codegen.target = target
defaultclock.dt = model["dt_ms"] * ms
seed(model["seed"])


def array(name, dtype):
    return np.fromfile(os.path.join(HERE, name), dtype=dtype)


t0 = time.time()
# One group for every class: each neuron carries its class's exact one-step propagator (neuroplast's, float64), so
# both simulators integrate the same linear system the same way; threshold, synapses and reset follow Brian2's
# schedule, which is neuroplast's order within a step. Plain numbers in mV, pA and ms.
SLOTS = model["slots"]
EQS = "\n".join(["v : 1", "asc1 : 1", "asc2 : 1", "xe : 1", "Iexc : 1", "xinh : 1", "Iinh : 1", "ref : 1",
                 "vth : 1 (constant)", "refsteps : 1 (constant)"] + ["%s : 1 (constant)" % s for s in SLOTS])
STEP = """
active = int(ref <= 0)
u_inf = BIAS / G_LEAK
v_new = E_LEAK + u_inf + (v - E_LEAK - u_inf) * LEAK_DECAY + ASC1_GAIN * asc1 + ASC2_GAIN * asc2 + EXC_CURRENT_GAIN * Iexc + EXC_GAIN * xe - INH_CURRENT_GAIN * Iinh - INH_GAIN * xinh
v = active * v_new + (1 - active) * V_RESET
ref = ref - (1 - active)
asc1 = asc1 * ASC1_DECAY
asc2 = asc2 * ASC2_DECAY
Iexc = Iexc * EXC_DECAY + xe * EXC_RISE
xe = xe * EXC_DECAY
Iinh = Iinh * INH_DECAY + xinh * INH_RISE
xinh = xinh * INH_DECAY
"""
classes = model["classes"]
class_of = np.repeat(np.arange(len(classes)), [c["size"] for c in classes])
n = len(class_of)
cells = NeuronGroup(n, EQS, threshold="v > vth", name="v1",
                    reset="v = V_RESET; ref = refsteps; asc1 = ASC1_RETENTION * asc1 + ASC1_AMP; "
                          "asc2 = ASC2_RETENTION * asc2 + ASC2_AMP")
for s in SLOTS:
    setattr(cells, s, np.array([c["propagator"][s] for c in classes])[class_of])
cells.refsteps = np.array([c["refractory_steps"] for c in classes])[class_of]
cells.v = np.array([c["propagator"]["E_LEAK"] for c in classes])[class_of]
cells.vth = np.concatenate([c["propagator"]["V_THRESH"] + array(c["threshold_offsets"], "<f4").astype(float)
                            for c in classes])
step = cells.run_regularly(STEP, when="groups", name="glif3_step")
background = PoissonGroup(n, model["background_hz"] * Hz, name="background")
to_cells = Synapses(background, cells, "w : 1 (constant)", on_pre="xe_post += w", name="background_synapses")
to_cells.connect(j="i")
to_cells.w = np.concatenate([c["background_weight_pa"] * array(c["background_factors"], "<f4").astype(float)
                             for c in classes])
objects = [cells, step, background, to_cells]
synapse_count = 0
for receptor in ("exc", "inh"):
    files = model["synapses"][receptor]
    pre = array(files["pre"], "<i4")
    syn = Synapses(cells, cells, "w : 1 (constant)", on_pre="%s_post += w" % ("xe" if receptor == "exc" else "xinh"),
                   name="%s_synapses" % receptor)
    if len(pre):
        syn.connect(i=pre, j=array(files["post"], "<i4"))
        syn.w = array(files["weight"], "<f4").astype(float)
        syn.delay = array(files["delay"], "<f4").astype(float) * ms
    synapse_count += len(pre)
    objects.append(syn)
spikes = SpikeMonitor(cells, name="spikes")
net = Network(objects + [spikes])
net.run(seconds * second)
if target == "standalone":
    device.build(directory=BUILD_DIR, compile=True, run=True)
    run_s = device._last_run_time
    build_s = time.time() - t0 - run_s
else:
    build_s = 0.0
    run_s = time.time() - t0
counts = np.bincount(class_of[np.asarray(spikes.i[:], dtype=int)], minlength=len(classes))
shutil.rmtree(BUILD_DIR, ignore_errors=True)
print(json.dumps({
    "target": target, "neurons": int(n), "synapses": synapse_count, "simulated_s": seconds,
    "build_s": round(build_s, 3), "run_s": round(run_s, 3),
    "rates_hz": {c["name"]: float(k) / c["size"] / seconds for c, k in zip(classes, counts)},
    "brian2": brian2.__version__,
}))
`;

/**
 * Writes `model` as a standalone Brian2 script with its data: DIR/run_brian2.py, DIR/model.json (classes with their
 * propagators, the background, the synapse files) and little-endian arrays (threshold offsets per class; per
 * receptor, every synapse's global pre and post index, weight and delay). One neuron group, one background and two
 * synapse objects keep Brian2's generated code small. The script needs only Brian2 and numpy.
 */
export async function exportBrian2(model: V1Model, dir: string): Promise<{ files: string[] }> {
  if (model.lgn)
    throw new NeuroplastError(
      'v1 export --brian2: the export writes the column and its background; a model with an LGN cannot be exported yet',
    );
  if (model.plasticity.length > 0)
    throw new NeuroplastError(
      'v1 export --brian2: the export writes fixed synapses; a model with plasticity cannot be exported yet',
    );
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  const write = async (name: string, data: string | Uint8Array) => {
    await writeFileAtomic(join(dir, name), data);
    files.push(name);
  };
  const bytes = (a: Int32Array | Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const offsets: number[] = [];
  let total = 0;
  const classes = [];
  for (const [id, c] of model.classes.entries()) {
    offsets.push(total);
    total += c.size;
    const file = `threshold-offsets-${id}.f32`;
    await write(file, bytes(c.thresholdOffsetMv));
    const factors = `background-factors-${id}.f32`;
    await write(factors, bytes(c.backgroundFactor));
    const propagator = glif3Propagator(c.params, model.dtMs);
    classes.push({
      name: c.name,
      size: c.size,
      params: c.params,
      propagator: Object.fromEntries(
        SLOTS.map((k) => [k, propagator[Glif3Param[k as keyof typeof Glif3Param]]]),
      ),
      refractory_steps: Math.max(0, Math.round(c.params.refractoryMs / model.dtMs) - 1),
      background_weight_pa: c.backgroundWeightPa,
      threshold_offsets: file,
      background_factors: factors,
    });
  }
  const synapses: Record<string, Record<string, string>> = {};
  for (const excitatory of [true, false]) {
    const chosen = model.column.pathways.filter((p) => p.excitatory === excitatory);
    const n = chosen.reduce((s, p) => s + p.preIndex.length, 0);
    const pre = new Int32Array(n);
    const post = new Int32Array(n);
    const weight = new Float32Array(n);
    const delay = new Float32Array(n);
    let at = 0;
    for (const p of chosen) {
      const scale = model.weightScale[p.pre * model.classes.length + p.post];
      for (let k = 0; k < p.preIndex.length; k++, at++) {
        pre[at] = offsets[p.pre] + p.preIndex[k];
        post[at] = offsets[p.post] + p.postIndex[k];
        weight[at] = p.weightPa[k] * scale;
        delay[at] = p.delayMs;
      }
    }
    const receptor = excitatory ? 'exc' : 'inh';
    const names = {
      pre: `${receptor}-pre.i32`,
      post: `${receptor}-post.i32`,
      weight: `${receptor}-w.f32`,
      delay: `${receptor}-delay.f32`,
    };
    await write(names.pre, bytes(pre));
    await write(names.post, bytes(post));
    await write(names.weight, bytes(weight));
    await write(names.delay, bytes(delay));
    synapses[receptor] = names;
  }
  await write(
    'model.json',
    JSON.stringify({
      format: 'neuroplast-v1-brian2',
      dt_ms: model.dtMs,
      seed: model.seed,
      background_hz: model.backgroundHz,
      slots: SLOTS,
      classes,
      synapses,
    }),
  );
  await write('run_brian2.py', SCRIPT);
  return { files };
}
