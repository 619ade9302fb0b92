#!/usr/bin/python3
"""Brian2 anchor and oracle for neuroplast's CUBA preset (src/spiking/presets/cuba.ts): Brian2's examples/CUBA.py
network (4000 current-based LIF, method 'exact', dt 0.1 ms), timed, with its mean rate and mean ISI CV.

Usage: /usr/bin/python3 scripts/brian2_cuba.py standalone|cython|numpy SECONDS [SEED]
Prints one JSON line: {"target", "run_s" (simulation only: for standalone the C++ run time, compile excluded),
"spikes", "rate" (Hz over all 4000 neurons), "cv" (mean ISI CV over the neurons with at least 3 spikes), "brian2"}.
`bench cuba` runs it standalone with seed 1; test/spiking-cuba.test.ts runs it with numpy over seeds.
"""
import json
import sys
import tempfile
import time

import numpy as np
from brian2 import *  # noqa: F401,F403
import brian2

target = sys.argv[1] if len(sys.argv) > 1 else "standalone"
dur = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
if target == "standalone":
    set_device("cpp_standalone", directory=tempfile.mkdtemp(prefix="brian2-cuba-"))
else:
    prefs.codegen.target = target
seed(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
taum = 20 * ms
taue = 5 * ms
taui = 10 * ms
Vt = -50 * mV
Vr = -60 * mV
El = -49 * mV
eqs = """dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt"""
P = NeuronGroup(4000, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms, method="exact")
P.v = "Vr + rand() * (Vt - Vr)"
P.ge = 0 * mV
P.gi = 0 * mV
we = (60 * 0.27 / 10) * mV
wi = (-20 * 4.5 / 10) * mV
Ce = Synapses(P[:3200], P, on_pre="ge += we")
Ci = Synapses(P[3200:], P, on_pre="gi += wi")
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
            "rate": int(m.num_spikes) / 4000 / dur,
            "cv": float(np.mean(cvs)) if cvs else None,
            "brian2": brian2.__version__,
        }
    )
)
