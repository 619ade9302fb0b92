#!/usr/bin/python3
"""Brian2 oracle for neuroplast's Song, Miller & Abbott (2000) preset (src/spiking/presets/song-stdp.ts): the network
of Brian2's examples/synapses/STDP.py (1000 Poisson inputs at 15 Hz, one conductance-based LIF neuron, additive
all-to-all pair STDP clipped to [0, gmax], initial w = rand() * gmax, dt 0.1 ms, method 'euler' as the example).

REPLICATES independent copies run in one simulation (replicate k: inputs k*1000 .. k*1000+999 onto neuron k), so
several seeds cost one compilation. Prints one JSON line: per replicate the output rate (Hz, whole run), the ISI CV,
the fraction of weights above gmax / 2, the mean w / gmax and the fraction within 10% of a bound (w < 0.1 gmax or
w > 0.9 gmax), plus how long compiling and running took.

Inputs: by default a SpikeGeneratorGroup replays spike trains drawn here with numpy as geometric gaps between
spiking steps, which is the process of the example's PoissonGroup (each input spikes in a step with probability
F dt, independently) drawn per spike: the PoissonGroup's per-input per-step draws take Brian2 0.25 s per simulated
second and replicate, about all of its run time. --poisson-group runs the example's PoissonGroup as written.

Target: C++ standalone (needs g++; built in a fresh temporary directory, removed afterwards); --target numpy runs
the runtime numpy target instead (no compiler, about 3 s per simulated second).

--method exponential_euler integrates the neuron as neuroplast does (the test uses it: at fixed weights the
example's Euler fires about 10% less than the exact integration of the same equations; NOTES-song.md).

Usage: /usr/bin/python3 scripts/brian2_song_stdp_stats.py SEED [SECONDS [REPLICATES]] [--poisson-group]
       [--target cpp|numpy] [--method euler|exponential_euler]
"""
import argparse
import json
import shutil
import sys
import tempfile
import time

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument('seed', type=int)
ap.add_argument('seconds', type=float, nargs='?', default=100.0)
ap.add_argument('replicates', type=int, nargs='?', default=1)
ap.add_argument('--poisson-group', action='store_true')
ap.add_argument('--target', choices=['cpp', 'numpy'], default='cpp')
ap.add_argument('--method', choices=['euler', 'exponential_euler'], default='euler')
args = ap.parse_args()

from brian2 import *  # noqa: E402,F401,F403  (after argparse: --help needs no Brian2)

build_dir = None
if args.target == 'cpp':
    build_dir = tempfile.mkdtemp(prefix='brian2-song-stdp-')
    set_device('cpp_standalone', directory=build_dir, build_on_run=False)
    # The run is short once the inputs are generated: compile for speed of compiling.
    prefs.codegen.cpp.extra_compile_args_gcc = ['-w', '-O1', '-std=c++11']
else:
    prefs.codegen.target = 'numpy'
seed(args.seed)
K = args.replicates
duration = args.seconds * second

# The example's constants (examples/synapses/STDP.py).
N = 1000
taum = 10 * ms
taupre = 20 * ms
taupost = taupre
Ee = 0 * mV
vt = -54 * mV
vr = -60 * mV
El = -74 * mV
taue = 5 * ms
F = 15 * Hz
gmax = .01
dApre = .01
dApost = -dApre * taupre / taupost * 1.05
dApost *= gmax
dApre *= gmax

eqs_neurons = '''
dv/dt = (ge * (Ee-v) + El - v) / taum : volt
dge/dt = -ge / taue : 1
'''

if args.poisson_group:
    inputs = PoissonGroup(N * K, rates=F)
else:
    rs = np.random.RandomState(args.seed)
    steps = int(round(float(duration / defaultclock.dt)))
    p = float(F * defaultclock.dt)
    index, step = [], []
    for i in range(N * K):
        # Spiking steps of one input: first at gap - 1, then every further geometric gap (>= 1 step).
        s = np.cumsum(rs.geometric(p, size=int(steps * p * 1.2) + 50)) - 1
        while s[-1] < steps:
            s = np.concatenate([s, s[-1] + np.cumsum(rs.geometric(p, size=1000))])
        s = s[s < steps]
        index.append(np.full(len(s), i))
        step.append(s)
    index = np.concatenate(index)
    step = np.concatenate(step)
    inputs = SpikeGeneratorGroup(N * K, index, step * defaultclock.dt)

neurons = NeuronGroup(K, eqs_neurons, threshold='v>vt', reset='v = vr', method=args.method)
S = Synapses(inputs, neurons,
             '''w : 1
                dApre/dt = -Apre / taupre : 1 (event-driven)
                dApost/dt = -Apost / taupost : 1 (event-driven)''',
             on_pre='''ge += w
                    Apre += dApre
                    w = clip(w + Apost, 0, gmax)''',
             on_post='''Apost += dApost
                     w = clip(w + Apre, 0, gmax)''',
             )
S.connect(j='i // n_inputs', namespace={'n_inputs': N})
S.w = 'rand() * gmax'
spikes = SpikeMonitor(neurons)

t0 = time.time()
run(duration)
if args.target == 'cpp':
    device.build(directory=build_dir, compile=True, run=True)
wall = time.time() - t0
run_s = device._last_run_time if args.target == 'cpp' else wall

w = np.asarray(S.w[:]) / gmax
post = np.asarray(S.j[:])
trains = spikes.spike_trains()
out = {'seconds': args.seconds, 'replicates': K, 'target': args.target, 'method': args.method,
       'inputs': 'PoissonGroup' if args.poisson_group else 'SpikeGeneratorGroup (geometric gaps)',
       'wall_s': wall, 'run_s': run_s, 'rate': [], 'cv': [], 'fraction_above_half': [],
       'mean_over_gmax': [], 'near_bounds': []}
for k in range(K):
    t = np.asarray(trains[k] / second)
    isi = np.diff(t)
    wk = w[post == k]
    out['rate'].append(len(t) / args.seconds)
    out['cv'].append(float(isi.std() / isi.mean()) if len(isi) >= 2 else float('nan'))
    out['fraction_above_half'].append(float((wk > 0.5).mean()))
    out['mean_over_gmax'].append(float(wk.mean()))
    out['near_bounds'].append(float(((wk < 0.1) | (wk > 0.9)).mean()))
if build_dir:
    shutil.rmtree(build_dir, ignore_errors=True)
print(json.dumps(out))
sys.stdout.flush()
