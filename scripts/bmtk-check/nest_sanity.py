#!/usr/bin/python3
"""Step E: checks that NEST itself would apply to what BMTK pointnet passes to nest.Create/nest.Connect
(recorded by check_pointnet.py), plus raw per-edge-file checks of delays, for edge files BMTK never connects
(virtual populations without an input).  Usage: /usr/bin/python3 nest_sanity.py TAG DIR"""
import os, sys, pickle, glob
import numpy as np, pandas as pd, h5py
tag, d = sys.argv[1], sys.argv[2]
P = pickle.load(open(os.path.join(os.environ.get('BMTK_CHECK_OUT', '/tmp/bmtk-check-out'), tag + '.pointnet.pkl'), 'rb'))
dt = P['dt']
nodes = P['nodes'].set_index(['pop', 'node_id'])
e = P['edges']
print('== %s: dt %s, %d connections' % (tag, dt, len(e)))
nports = {k: (len(r['params']['tau_syn']) if r['model'] == 'glif_psc' else 0) for k, r in nodes.iterrows()}
npt = np.array([nports[(p, n)] for p, n in zip(e.trg_pop, e.trg)])
glif = np.array([nodes.loc[(p, n)]['model'] == 'glif_psc' for p, n in zip(e.trg_pop, e.trg)]) if len(e) < 100000 else npt > 0
bad_rt = glif & ((e.receptor_type.values < 1) | (e.receptor_type.values > npt))
print('  glif_psc targets with receptor_type outside 1..len(tau_syn) (NEST: IncompatibleReceptorType): %d' % bad_rt.sum())
print('  delays < dt (NEST BadDelay "Delay must be greater than or equal to resolution"): %d' % (e.delay < dt - 1e-12).sum())
off = np.abs(e.delay / dt - np.round(e.delay / dt)) > 1e-6
print('  delays not a multiple of dt (NEST rounds them to steps): %d' % off.sum())
print('  NaN/inf weights: %d, NaN delays: %d' % ((~np.isfinite(e.weight)).sum(), e.delay.isna().sum()))
# sign per (target model, receptor)
g = e.assign(neg=e.weight < 0, pos=e.weight > 0).groupby(['receptor_type']).agg(n=('weight', 'size'), neg=('neg', 'sum'), pos=('pos', 'sum'))
print('  weight signs per receptor_type:\n' + g.to_string())
# raw edge files: delays of every edge, including populations BMTK does not connect
for f in sorted(glob.glob(os.path.join(d, 'network', '*_edges.h5'))):
    with h5py.File(f, 'r') as h:
        for pop in h['edges']:
            grp = h['edges'][pop]['0']
            if 'delay' in grp:
                dl = grp['delay'][()]
                print('  %s/%s: delay min %.4g max %.4g, < dt: %d of %d' % (os.path.basename(f), pop, dl.min(), dl.max(), (dl < dt - 1e-12).sum(), len(dl)))
