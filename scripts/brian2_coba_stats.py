#!/usr/bin/python3
"""Brian2 oracle for neuroplast's COBA network: mean rate and mean ISI CV of the Vogels-Abbott network
(the network of shared/anchors/brian2_coba.py), numpy target, 1 s at dt 0.1 ms.

Usage: /usr/bin/python3 scripts/brian2_coba_stats.py SEED [SECONDS]  -> one JSON line {spikes, rate, cv}
"""
import sys, time, json
import numpy as np
from brian2 import *
prefs.codegen.target = 'numpy'
seed(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
taum=20*ms; taue=5*ms; taui=10*ms; Vt=-50*mV; Vr=-60*mV; El=-60*mV; Ee=0*mV; Ei=-80*mV
eqs='''dv/dt = (gl*(El-v)+ge*(Ee-v)+gi*(Ei-v))/(200*pF) : volt (unless refractory)
dge/dt=-ge/taue : siemens
dgi/dt=-gi/taui : siemens
gl : siemens'''
P=NeuronGroup(4000, eqs, threshold='v>Vt', reset='v=Vr', refractory=5*ms, method='exponential_euler')
P.gl = 10*nS
P.v='El + (randn() * 5 - 5)*mV'; P.ge='(randn() * 1.5 + 4) * 10.*nS'; P.gi='(randn() * 12 + 20) * 10.*nS'
Ce=Synapses(P[:3200],P,on_pre='ge+=6*nS'); Ci=Synapses(P[3200:],P,on_pre='gi+=67*nS')
Ce.connect(p=0.02); Ci.connect(p=0.02)
m=SpikeMonitor(P)
run(float(sys.argv[2]) * second if len(sys.argv) > 2 else 1 * second)
tr = m.spike_trains()
cvs=[]
for i, t in tr.items():
    t = np.asarray(t)
    if len(t) >= 3:
        isi = np.diff(t); cvs.append(isi.std()/isi.mean())
print(json.dumps({"spikes": int(m.num_spikes), "rate": m.num_spikes/4000, "cv": float(np.mean(cvs))}))
