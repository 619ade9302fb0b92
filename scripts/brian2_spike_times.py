#!/usr/bin/python3
"""Brian2 oracle for neuroplast's time-stamp convention: LIF neurons driven by constant currents (numpy target,
exponential_euler, dt 0.1 ms, refractory 2 ms), and a SpikeGeneratorGroup spike delivered through a 1 ms delay.

Usage: /usr/bin/python3 scripts/brian2_spike_times.py  -> one JSON line {"times": [[ms, ...] per neuron],
"delayed_ge": [ge of the delayed target at the start of each step, first 40 steps]}
"""
import json
from brian2 import *

prefs.codegen.target = 'numpy'
defaultclock.dt = 0.1 * ms
currents = [210, 260, 330, 480]
eqs = '''dv/dt = (El - v + I / gL) / taum : volt (unless refractory)
I : amp'''
El = -70 * mV; gL = 12.5 * nS; taum = 20 * ms
G = NeuronGroup(len(currents), eqs, threshold='v > -50*mV', reset='v = -65*mV', refractory=2 * ms,
                method='exponential_euler')
G.v = El
G.I = [c * pA for c in currents]
m = SpikeMonitor(G)
src = SpikeGeneratorGroup(1, [0], [0.5] * ms)
T = NeuronGroup(1, 'dge/dt = -ge / (10*ms) : 1', method='exact')
S = Synapses(src, T, on_pre='ge += 1', delay=1 * ms)
S.connect()
st = StateMonitor(T, 'ge', record=0)
run(100 * ms)
print(json.dumps({
    "times": [[float(t / ms) for t in m.spike_trains()[i]] for i in range(len(currents))],
    "delayed_ge": [float(g) for g in st.ge[0][:40]],
}))
