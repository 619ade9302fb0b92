#!/usr/bin/python3
"""Step D: compare what BMTK read/built from the original example and from the neuroplast export.

Usage: /usr/bin/python3 compare.py [ORIG_TAG EXPORT_TAG]   (defaults point_450glifs exp450)
Needs out/<tag>.sonata.pkl (check_sonata.py) and out/<tag>.pointnet.pkl (check_pointnet.py).
"""
import os, sys, pickle, json
import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.environ.get('BMTK_CHECK_OUT', '/tmp/bmtk-check-out')
a_tag, b_tag = (sys.argv[1:3] if len(sys.argv) >= 3 else ('point_450glifs', 'exp450'))
load = lambda t, k: pickle.load(open(os.path.join(OUT, '%s.%s.pkl' % (t, k)), 'rb'))
A, B = load(a_tag, 'sonata'), load(b_tag, 'sonata')
PA, PB = load(a_tag, 'pointnet'), load(b_tag, 'pointnet')
problems = []


def note(msg):
    problems.append(msg)
    print('  !!', msg)


print('=== 1. nodes (bmtk.utils.sonata) ===')
for pop in sorted(set(A['nodes']) | set(B['nodes'])):
    if pop not in A['nodes'] or pop not in B['nodes']:
        note('node population %s only in one side' % pop)
        continue
    a, b = A['nodes'][pop].set_index('node_id'), B['nodes'][pop].set_index('node_id')
    print('  %s: %d vs %d nodes' % (pop, len(a), len(b)))
    ca, cb = dict(a.groupby('node_type_id').size()), dict(b.groupby('node_type_id').size())
    print('    per node_type_id  orig %s\n                      export %s' % (ca, cb))
    same_type = (a['node_type_id'] == b['node_type_id'].reindex(a.index)).all()
    print('    node_type_id identical for every node_id: %s' % same_type)
    for col in ('model_type', 'model_template', 'ei'):
        if col in a and col in b:
            pairs = pd.DataFrame({'orig': a[col], 'export': b[col].reindex(a.index)}).astype(str)
            diff = pairs[pairs.orig != pairs.export].drop_duplicates()
            if len(diff):
                note('%s nodes: column %s differs (orig -> export): %s' % (
                    pop, col, sorted(set(map(tuple, diff.values.tolist())))))

print('\n=== 2. nest.Create parameters per node (pointnet build) ===')
na = PA['nodes'].set_index(['pop', 'node_id'])
nb = PB['nodes'].set_index(['pop', 'node_id'])
print('  models orig %s, export %s' % (dict(PA['nodes'].groupby('model').size()),
                                        dict(PB['nodes'].groupby('model').size())))
seen = set()
NEST_DEF_ALPHA = {'tau_syn_ex': 2.0, 'tau_syn_in': 2.0, 'V_m': -70.0, 'I_e': 0.0}  # NEST iaf_psc_alpha defaults
for key in na.index:
    ra, rb = na.loc[key], nb.loc[key]
    sig = (ra['model'], json.dumps(ra['params'], sort_keys=True, default=str), rb['model'],
           json.dumps(rb['params'], sort_keys=True, default=str))
    if sig in seen:
        continue
    seen.add(sig)
    pa = dict(ra['params'] or {})
    pb = dict(rb['params'] or {})
    if ra['model'] != rb['model']:
        note('%s node %d..: model %s -> %s' % (key[0], key[1], ra['model'], rb['model']))
    if ra['model'] == 'iaf_psc_alpha':
        pa = {**NEST_DEF_ALPHA, **pa}
        pa['g'] = pa['C_m'] / pa.pop('tau_m')
    diffs = []
    for k in sorted(set(pa) | set(pb)):
        va, vb = pa.get(k), pb.get(k)
        if isinstance(va, (list, tuple)) or isinstance(vb, (list, tuple)):
            eq = va is not None and vb is not None and len(va) == len(vb) and np.allclose(va, vb)
        elif isinstance(va, (int, float)) and isinstance(vb, (int, float)) and not isinstance(va, bool):
            eq = np.isclose(va, vb)
        else:
            eq = va == vb
        if not eq:
            diffs.append('%s: %s -> %s' % (k, va, vb))
    print('  %s node %d (%s -> %s): %s' % (key[0], key[1], ra['model'], rb['model'],
                                          '; '.join(diffs) if diffs else 'identical'))

print('\n=== 3. edges as BMTK pointnet passes them to nest.Connect ===')


def tau_of(nodes, edges):
    """tau_syn (ms) of the receptor each edge targets."""
    taus = []
    for tp, tn, rt, w in zip(edges.trg_pop, edges.trg, edges.receptor_type, edges.weight):
        r = nodes.loc[(tp, tn)]
        p = r['params'] or {}
        if r['model'] == 'glif_psc':
            taus.append(p['tau_syn'][rt - 1] if rt >= 1 else np.nan)
        elif r['model'] in ('iaf_psc_alpha', 'iaf_psc_exp'):
            taus.append(p.get('tau_syn_ex', 2.0) if w >= 0 else p.get('tau_syn_in', 2.0))
        else:
            taus.append(np.nan)
    return np.array(taus)


ea, eb = PA['edges'].copy(), PB['edges'].copy()
ea['tau'] = tau_of(na, ea)
eb['tau'] = tau_of(nb, eb)
print('  connections: orig %d, export %d' % (len(ea), len(eb)))
for (sp, tp), ga in ea.groupby(['src_pop', 'trg_pop']):
    gb = eb[(eb.src_pop == sp) & (eb.trg_pop == tp)]
    print('  %s -> %s: %d vs %d' % (sp, tp, len(ga), len(gb)))
    key = ['src', 'trg', 'weight']
    ga = ga.sort_values(key).reset_index(drop=True)
    gb = gb.sort_values(key).reset_index(drop=True)
    same_pairs = len(ga) == len(gb) and (ga[['src', 'trg']].values == gb[['src', 'trg']].values).all()
    print('    same (source, target) multiset: %s' % same_pairs)
    if not same_pairs:
        note('%s->%s: (source,target) pairs differ' % (sp, tp))
        continue
    dw = np.abs(ga.weight.values - gb.weight.values)
    print('    weight = syn_weight*nsyns: max |diff| %.3g (orig range %.3g..%.3g, export %.3g..%.3g)' % (
        dw.max(), ga.weight.min(), ga.weight.max(), gb.weight.min(), gb.weight.max()))
    sign = (np.sign(ga.weight.values) == np.sign(gb.weight.values)).all()
    print('    weight signs identical: %s (orig neg %d, export neg %d)' % (
        sign, (ga.weight < 0).sum(), (gb.weight < 0).sum()))
    dd = np.abs(ga.delay.values - gb.delay.values)
    print('    delay max |diff| %.3g (orig %s, export %s)' % (dd.max(), sorted(set(ga.delay)), sorted(set(gb.delay))))
    dt = np.abs(ga.tau.values - gb.tau.values)
    print('    tau_syn of the targeted receptor: max |diff| %.3g; orig receptor_type %s, export %s' % (
        np.nanmax(dt), sorted(set(ga.receptor_type)), sorted(set(gb.receptor_type))))
    print('    synapse_model orig %s export %s' % (sorted(set(ga.synapse_model)), sorted(set(gb.synapse_model))))
    if dw.max() > 1e-9:
        note('%s->%s: weights differ (max %.3g)' % (sp, tp, dw.max()))
    if not sign:
        note('%s->%s: weight signs differ' % (sp, tp))
    if dd.max() > 1e-9:
        note('%s->%s: delays differ' % (sp, tp))
    if np.nanmax(dt) > 1e-9 or np.isnan(dt).any():
        bad = pd.DataFrame({'orig_tau': ga.tau, 'export_tau': gb.tau, 'trg': ga.trg})[dt > 1e-9]
        note('%s->%s: targeted tau_syn differs on %d edges, e.g. %s' % (sp, tp, len(bad), bad.head(3).values.tolist()))

print('\n=== 4. input spikes as set on spike_generators ===')
sa, sb = PA['spikes'].sort_values(['node_id', 't']), PB['spikes'].sort_values(['node_id', 't'])
print('  %d vs %d spikes; identical (node_id, t): %s; max |dt| %.3g' % (
    len(sa), len(sb), len(sa) == len(sb) and np.allclose(sa[['node_id', 't']].values, sb[['node_id', 't']].values),
    np.abs(sa.t.values - sb.t.values).max() if len(sa) == len(sb) else np.nan))
print('  run: orig dt %s tstop %s; export dt %s tstop %s' % (PA['dt'], PA['tstop'], PB['dt'], PB['tstop']))
if PA['dt'] != PB['dt']:
    note('run.dt differs: %s -> %s' % (PA['dt'], PB['dt']))

print('\n=== summary: %d difference(s) ===' % len(problems))
for p in problems:
    print(' -', p)
