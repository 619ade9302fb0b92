#!/usr/bin/python3
"""Brian2 oracle for neuroplast's CUBA preset (src/spiking/presets/cuba.ts): mean rate and mean ISI CV of Brian2's
examples/CUBA.py network (4000 current-based LIF, method 'exact'), numpy target, dt 0.1 ms.

Usage: /usr/bin/python3 scripts/brian2_cuba_stats.py SEED [SECONDS]  -> one JSON line {spikes, rate, cv}
(rate: mean rate in Hz over all 4000 neurons; cv: mean ISI CV over the neurons with at least 3 spikes).
"""
import json
import sys

import numpy as np
from brian2 import *  # noqa: F401,F403

prefs.codegen.target = "numpy"
seed(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
dur = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
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
run(dur * second)
cvs = []
for t in m.spike_trains().values():
    t = np.asarray(t)
    if len(t) >= 3:
        isi = np.diff(t)
        cvs.append(isi.std() / isi.mean())
print(json.dumps({"spikes": int(m.num_spikes), "rate": m.num_spikes / 4000 / dur, "cv": float(np.mean(cvs))}))
