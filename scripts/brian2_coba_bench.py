#!/usr/bin/python3
"""Brian2 anchor for `neuroplast bench coba`: the COBA network of shared/anchors/brian2_coba.py, timed.

Usage: /usr/bin/python3 scripts/brian2_coba_bench.py standalone|cython|numpy SECONDS
Prints one JSON line: {"target", "run_s" (simulation only: for standalone the C++ run time, compile excluded),
"spikes", "cv" (mean ISI CV over the neurons with at least 3 spikes), "brian2"}.
"""
import json
import os
import sys
import tempfile
import time

import numpy as np
from brian2 import *  # noqa: F401,F403
import brian2

target = sys.argv[1] if len(sys.argv) > 1 else "standalone"
dur = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
if target == "standalone":
    set_device("cpp_standalone", directory=tempfile.mkdtemp(prefix="brian2-coba-"))
else:
    prefs.codegen.target = target
seed(1)
taum = 20 * ms
taue = 5 * ms
taui = 10 * ms
Vt = -50 * mV
Vr = -60 * mV
El = -60 * mV
Ee = 0 * mV
Ei = -80 * mV
eqs = """dv/dt = (gl*(El-v)+ge*(Ee-v)+gi*(Ei-v))/(200*pF) : volt (unless refractory)
dge/dt=-ge/taue : siemens
dgi/dt=-gi/taui : siemens
gl : siemens"""
P = NeuronGroup(4000, eqs, threshold="v>Vt", reset="v=Vr", refractory=5 * ms, method="exponential_euler")
P.gl = 10 * nS
P.v = "El + (randn() * 5 - 5)*mV"
P.ge = "(randn() * 1.5 + 4) * 10.*nS"
P.gi = "(randn() * 12 + 20) * 10.*nS"
Ce = Synapses(P[:3200], P, on_pre="ge+=6*nS")
Ci = Synapses(P[3200:], P, on_pre="gi+=67*nS")
Ce.connect(p=0.02)
Ci.connect(p=0.02)
m = SpikeMonitor(P)
t0 = time.time()
run(dur * second)
wall = time.time() - t0
run_s = device._last_run_time if target == "standalone" else wall
cvs = []
for t in m.spike_trains().values():
    t = np.asarray(t)
    if len(t) >= 3:
        isi = np.diff(t)
        cvs.append(isi.std() / isi.mean())
print(
    json.dumps(
        {
            "target": target,
            "run_s": run_s,
            "spikes": int(m.num_spikes),
            "cv": float(np.mean(cvs)) if cvs else None,
            "brian2": brian2.__version__,
        }
    )
)
