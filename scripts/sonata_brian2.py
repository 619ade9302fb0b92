#!/usr/bin/env python3
"""The dynamics oracle of neuroplast's SONATA import: the same SONATA network, read from the same files with h5py,
run in Brian2 with the NEST models written as Brian2 equations (no NEST here).

Models, as neuroplast documents them (docs/sonata.md):
- glif_psc (LIF_ASC): C dV/dt = -g (V - E_L) + sum_j ASC_j + sum_r s_r I_r + I_e; dASC_j/dt = -k_j ASC_j; per
  receptor port r an alpha current: dx/dt = -x/tau_r, dI/dt = -I/tau_r + (e/tau_r) x, a spike adds |w| to x;
  s_r = sign of the weights on the port. Spike when V > V_th; V = V_reset, ASC_j = A_j + r_j ASC_j exp(-k_j t_ref)
  (NEST's reset), V held for t_ref (Brian2's count) and the ASCs frozen meanwhile (NEST).
- iaf_psc_alpha: the same with no ASC and two receptors (tau_syn_ex for w > 0, tau_syn_in for w < 0), V_m initial.
- iaf_psc_exp / iaf_cond_exp: exponentially decaying currents (pA) or conductances (nS, reversal E_ex, E_in);
  spike when V > V_th.
- iaf_psc_delta: tau_m dV/dt = -(V - E_L) + I_e / g; the weights (mV) are added in the step they arrive (NEST: one
  step sooner than an alpha synapse's), after the step's leak and before the threshold test (V >= V_th), and
  dropped while refractory.
Per-node V_m (initial potential) and V_th (glif_psc) from the node groups' dynamics_params.
Weights are syn_weight x nsyns (BMTK), delays per edge (or per edge type); virtual populations replay their SONATA spike files
(each spike on the nearest step, one per neuron and step). Integration: rk4 (neuroplast integrates exactly).

usage: sonata_brian2.py SIMULATION_CONFIG.json [--tstop MS] [--dt MS] [--record POP:NODE,...]
Prints JSON: rates_hz and cv per population and per group (population-typeId), and the spike times (ms) of the
recorded nodes.
"""
import argparse
import json
import math
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from sonata_oracle import at, load, per_edge, read_types  # noqa: E402

from brian2 import (  # noqa: E402
    ms, mV, pA, pF, nS, second, Network, NeuronGroup, Synapses, SpikeGeneratorGroup, SpikeMonitor,
    defaultclock, prefs, start_scope,
)


def component(base_dir, name):
    if not name or name in ('NULL', 'None'):
        return {}
    with open(os.path.join(base_dir, name)) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('config')
    ap.add_argument('--tstop', type=float)
    ap.add_argument('--dt', type=float)
    ap.add_argument('--record', default='')
    args = ap.parse_args()
    prefs.codegen.target = 'numpy'
    start_scope()
    sim, sim_dir = load(args.config)
    circ, circ_dir = load(at(sim_dir, sim['network'])) if 'networks' not in sim else (sim, sim_dir)
    comps = {**sim.get('components', {}), **circ.get('components', {})}
    cell_dir = at(circ_dir, comps['point_neuron_models_dir'])
    syn_dir = at(circ_dir, comps['synaptic_models_dir'])
    tstop = args.tstop if args.tstop is not None else sim['run']['tstop']
    dt = args.dt if args.dt is not None else sim['run']['dt']
    defaultclock.dt = dt * ms

    # Nodes: type per node; parameters per type.
    pops = {}
    for entry in circ['networks']['nodes']:
        types = read_types(at(circ_dir, entry['node_types_file']), 'node_type_id')
        with h5py.File(at(circ_dir, entry['nodes_file']), 'r') as h5:
            for pop, grp in h5['nodes'].items():
                tid = grp['node_type_id'][()].astype(np.int64)
                # Per-node V_m and V_th (dynamics_params in node groups), NaN where a node has none.
                per_node = {}
                gid = grp['node_group_id'][()] if 'node_group_id' in grp else np.zeros(len(tid), np.int64)
                gidx = grp['node_group_index'][()] if 'node_group_index' in grp else np.arange(len(tid))
                for name in ('V_m', 'V_th'):
                    vals = np.full(len(tid), np.nan)
                    for g_ in np.unique(gid):
                        key = str(int(g_))
                        if key in grp and 'dynamics_params' in grp[key] and name in grp[key]['dynamics_params']:
                            rows = gid == g_
                            vals[rows] = grp[key]['dynamics_params'][name][()][gidx[rows]]
                    per_node[name] = vals
                pops[pop] = {'tid': tid, 'types': types, 'per_node': per_node}
    # Edges with their weights, delays and ports.
    edges = []
    for entry in circ['networks']['edges']:
        types = read_types(at(circ_dir, entry['edge_types_file']), 'edge_type_id')
        with h5py.File(at(circ_dir, entry['edges_file']), 'r') as h5:
            for name, grp in h5['edges'].items():
                src_pop = grp['source_node_id'].attrs['node_population']
                tgt_pop = grp['target_node_id'].attrs['node_population']
                src_pop = src_pop.decode() if isinstance(src_pop, bytes) else str(src_pop)
                tgt_pop = tgt_pop.decode() if isinstance(tgt_pop, bytes) else str(tgt_pop)
                etype = grp['edge_type_id'][()].astype(np.int64)
                nsyns = per_edge(grp, types, etype, 'nsyns', 1.0)
                port_of = {t: int(component(syn_dir, r.get('dynamics_params')).get('receptor_type', 0)) for t, r in types.items()}
                edges.append({
                    'name': name, 'src_pop': src_pop, 'tgt_pop': tgt_pop,
                    'src': grp['source_node_id'][()].astype(np.int64),
                    'tgt': grp['target_node_id'][()].astype(np.int64),
                    'w': per_edge(grp, types, etype, 'syn_weight', float('nan')) * nsyns,
                    'delay': per_edge(grp, types, etype, 'delay', float('nan')),
                    'port': np.array([port_of[int(t)] for t in etype]),
                })

    # Receptors per target (population, type): (port, sign) pairs.
    receptors = {}
    for e in edges:
        ttype = pops[e['tgt_pop']]['tid'][e['tgt']]
        for t, p, w in zip(ttype, e['port'], e['w']):
            receptors.setdefault((e['tgt_pop'], int(t)), set()).add((int(p), '-' if w < 0 else '+'))

    objects = []
    groups = {}   # (pop, type) -> (NeuronGroup, node ids, model)
    local = {}    # pop -> (group key per node, local index per node)
    for pop, info in pops.items():
        tid, types = info['tid'], info['types']
        key_of = [None] * len(tid)
        idx_of = np.zeros(len(tid), np.int64)
        if all(r.get('model_type') == 'virtual' for r in types.values()):
            ids, times = [], []
            for name, inp in sim.get('inputs', {}).items():
                node_set = inp.get('node_set')
                if (node_set.get('population') if isinstance(node_set, dict) else node_set) != pop:
                    continue
                with h5py.File(at(sim_dir, inp['input_file']), 'r') as h5:
                    ids += list(h5['spikes'][pop]['node_ids'][()])
                    ts = h5['spikes'][pop]['timestamps']
                    unit = ts.attrs.get('units', 'ms')
                    times += list(ts[()] * (1000.0 if unit in ('s', b's') else 1.0))
            steps = np.floor(np.asarray(times, float) / dt + 0.5).astype(np.int64)
            # NEST delivers two spikes of one node in one step twice; a SpikeGeneratorGroup takes one per step, so the
            # k-th repeat of a (step, node) goes to the k-th generator, each wired like the first.
            seen = {}
            layers = []
            for s_, i in sorted(zip(steps.tolist(), [int(x) for x in ids])):
                if s_ * dt >= tstop:
                    continue
                k = seen.get((s_, i), 0)
                seen[(s_, i)] = k + 1
                while len(layers) <= k:
                    layers.append([])
                layers[k].append((s_, i))
            gens = [SpikeGeneratorGroup(len(tid), [i for _, i in layer], [s_ * dt for s_, _ in layer] * ms) for layer in layers] or [SpikeGeneratorGroup(len(tid), [], [] * ms)]
            objects.extend(gens)
            groups[(pop, None)] = (gens, np.arange(len(tid)), 'virtual')
            for i in range(len(tid)):
                key_of[i] = (pop, None)
                idx_of[i] = i
            local[pop] = (key_of, idx_of)
            continue
        for t in sorted(types):
            ids = np.flatnonzero(tid == t)
            if len(ids) == 0:
                continue
            row = types[t]
            model = row['model_template'].replace('nest:', '')
            p = component(cell_dir, row.get('dynamics_params'))
            uses = sorted(receptors.get((pop, t), {(1 if model == 'glif_psc' else 0, '+')}))
            if model in ('iaf_psc_exp', 'iaf_cond_exp'):
                cond = model == 'iaf_cond_exp'
                C = p.get('C_m', 250.0)
                gl = p.get('g_L', 16.6667) if cond else C / p.get('tau_m', 10.0)
                ns = {'C': C * pF, 'gl': gl * nS, 'E_L': p.get('E_L', -70.0) * mV, 'I_e': p.get('I_e', 0.0) * pA,
                      'tau_ex': p.get('tau_syn_ex', 0.2 if cond else 2.0) * ms, 'tau_in': p.get('tau_syn_in', 2.0) * ms,
                      'V_reset': p.get('V_reset', -60.0 if cond else -70.0) * mV}
                if cond:
                    ns.update({'E_ex': p.get('E_ex', 0.0) * mV, 'E_in': p.get('E_in', -85.0) * mV})
                    eqs = '''dV/dt = (-gl * (V - E_L) + g_ex * (E_ex - V) + g_in * (E_in - V) + I_e) / C : volt (unless refractory)
                             dg_ex/dt = -g_ex / tau_ex : siemens
                             dg_in/dt = -g_in / tau_in : siemens
                             th : volt (constant)'''
                else:
                    eqs = '''dV/dt = (-gl * (V - E_L) + I_ex - I_in + I_e) / C : volt (unless refractory)
                             dI_ex/dt = -I_ex / tau_ex : amp
                             dI_in/dt = -I_in / tau_in : amp
                             th : volt (constant)'''
                g = NeuronGroup(len(ids), eqs, threshold='V > th', reset='V = V_reset', refractory=p.get('t_ref', 2.0) * ms,
                                method='rk4', namespace=ns)
                g.th = p.get('V_th', -55.0) * mV
                g.V = p.get('V_m', -70.0) * mV
                port_names = {'exc': 'g_ex' if cond else 'I_ex', 'inh': 'g_in' if cond else 'I_in', 'unit': 'nS' if cond else 'pA'}
            elif model == 'iaf_psc_delta':
                C = p.get('C_m', 250.0)
                eqs = '''dV/dt = (-(V - E_L) + I_e / g_l) / tau_m : volt (unless refractory)
                         dv_in : volt'''
                g = NeuronGroup(len(ids), eqs, threshold='V >= V_th', reset='V = V_reset', refractory=p.get('t_ref', 2.0) * ms,
                                method='exact', namespace={
                                    'E_L': p.get('E_L', -70.0) * mV, 'I_e': p.get('I_e', 0.0) * pA, 'g_l': C * pF / (p.get('tau_m', 10.0) * ms),
                                    'tau_m': p.get('tau_m', 10.0) * ms, 'V_th': p.get('V_th', -55.0) * mV, 'V_reset': p.get('V_reset', -70.0) * mV})
                g.V = p.get('V_m', -70.0) * mV
                # Input after the leak, before the threshold, dropped while refractory.
                g.run_regularly('V += dv_in * int(not_refractory)\ndv_in = 0*mV', when='thresholds', order=-1)
                port_names = {}
            else:
                if model == 'glif_psc':
                    C, gl, E_L = p['C_m'], p['g'], p['E_L']
                    taus = p.get('tau_syn', [2.0])
                    asc_amps = p['asc_amps'] if p.get('after_spike_currents') else []
                    asc_decay = p['asc_decay'] if p.get('after_spike_currents') else []
                    asc_r = p.get('asc_r', [1.0] * len(asc_amps))
                    V_th, V_reset, t_ref, V0 = p['V_th'], p['V_reset'], p['t_ref'], p.get('V_m', E_L)
                else:
                    C = p.get('C_m', 250.0)
                    gl = C / p.get('tau_m', 10.0)
                    E_L = p.get('E_L', -70.0)
                    taus = [p.get('tau_syn_ex', 2.0), p.get('tau_syn_in', 2.0)]
                    asc_amps, asc_decay, asc_r = [], [], []
                    V_th, V_reset, t_ref, V0 = p.get('V_th', -55.0), p.get('V_reset', -70.0), p.get('t_ref', 2.0), p.get('V_m', -70.0)
                lines, currents, ns = [], [], {'C': C * pF, 'gl': gl * nS, 'E_L': E_L * mV, 'I_e': p.get('I_e', 0.0) * pA}
                for j, k in enumerate(asc_decay):
                    # NEST: frozen while the membrane is held.
                    lines.append(f'dasc{j}/dt = -k{j} * asc{j} : amp (unless refractory)')
                    ns[f'k{j}'] = k / ms
                    currents.append(f'asc{j}')
                port_names = {}
                signs_by_port = {}
                for port, sign in uses:
                    signs_by_port.setdefault(port, set()).add(sign)
                for r, (port, sign) in enumerate(uses):
                    tau = taus[port - 1] if model == 'glif_psc' else taus[0 if sign == '+' else 1]
                    lines.append(f'dx{r}/dt = -x{r} / tau{r} : amp')
                    lines.append(f'dI{r}/dt = -I{r} / tau{r} + (e_const / tau{r}) * x{r} : amp')
                    ns[f'tau{r}'] = tau * ms
                    currents.append(f'I{r}' if sign == '+' else f'(-I{r})')
                    port_names[(port, sign)] = r
                ns['e_const'] = math.e
                lines.insert(0, 'dV/dt = (-gl * (V - E_L) + I_e + ' + ' + '.join(currents or ['0*pA']) + ') / C : volt (unless refractory)')
                lines.append('th : volt (constant)')
                # NEST's reset: the kept part decays over t_ref at once, the jump arrives whole.
                reset = ['V = V_reset'] + [f'asc{j} = {asc_amps[j]} * pA + {asc_r[j]} * asc{j} * {math.exp(-asc_decay[j] * t_ref)}' for j in range(len(asc_amps))]
                ns.update({'V_th': V_th * mV, 'V_reset': V_reset * mV})
                g = NeuronGroup(len(ids), '\n'.join(lines), threshold='V > th', reset='\n'.join(reset), refractory=t_ref * ms,
                                method='rk4', namespace=ns)
                g.V = V0 * mV
                vth = info['per_node']['V_th'][ids]
                g.th = np.where(np.isnan(vth), V_th, vth) * mV
            vm = info['per_node']['V_m'][ids]
            if not np.all(np.isnan(vm)):
                g.V = np.where(np.isnan(vm), np.asarray(g.V / mV), vm) * mV
            objects.append(g)
            groups[(pop, t)] = (g, ids, model, port_names)
            for j, i in enumerate(ids):
                key_of[i] = (pop, t)
                idx_of[i] = j
        local[pop] = (key_of, idx_of)

    for e in edges:
        skey, sidx = local[e['src_pop']]
        tkey, tidx = local[e['tgt_pop']]
        buckets = {}
        for k in range(len(e['src'])):
            s, t = e['src'][k], e['tgt'][k]
            sign = '-' if e['w'][k] < 0 else '+'
            b = buckets.setdefault((skey[s], tkey[t], int(e['port'][k]), sign), ([], [], [], []))
            b[0].append(sidx[s]); b[1].append(tidx[t]); b[2].append(abs(e['w'][k])); b[3].append(e['delay'][k])
        for (sk, tk, port, sign), (i, j, w, d) in buckets.items():
            sources = groups[sk][0] if groups[sk][2] == 'virtual' else [groups[sk][0]]
            tgt_entry = groups[tk]
            if tgt_entry[2] == 'iaf_psc_delta':
                on_pre = 'dv_in_post += w_syn * mV' if sign == '+' else 'dv_in_post -= w_syn * mV'
            elif tgt_entry[2] in ('iaf_psc_exp', 'iaf_cond_exp'):
                names = tgt_entry[3]
                on_pre = f"{names['exc' if sign == '+' else 'inh']}_post += w_syn * {names['unit']}"
            else:
                on_pre = f'x{tgt_entry[3][(port, sign)]}_post += w_syn * pA'
            for src_g in sources:
                syn = Synapses(src_g, tgt_entry[0], 'w_syn : 1', on_pre=on_pre)
                syn.connect(i=np.asarray(i), j=np.asarray(j))
                syn.w_syn = np.asarray(w)
                # NEST adds a delta synapse's weight in the step it arrives, an alpha or exponential one's at that
                # step's end: one step sooner for delta targets.
                shift = dt if tgt_entry[2] == 'iaf_psc_delta' else 0.0
                syn.delay = np.maximum(np.asarray(d) - shift, 0.0) * ms
                objects.append(syn)

    monitors = {}
    for key, entry in groups.items():
        if entry[2] == 'virtual':
            continue
        m = SpikeMonitor(entry[0])
        monitors[key] = m
        objects.append(m)
    net = Network(*objects)
    net.run(tstop * ms, namespace={})

    out = {'rates_hz': {}, 'cv': {}, 'spikes': {}}
    per_pop = {}
    for (pop, t), m in monitors.items():
        _, ids, _, _ = groups[(pop, t)]
        trains = m.spike_trains()
        node_trains = {int(ids[j]): np.asarray(trains[j] / ms) for j in range(len(ids))}
        per_pop.setdefault(pop, {}).update(node_trains)
        summarise(out, f'{pop}-{t}', node_trains, tstop)
    for pop, trains in per_pop.items():
        summarise(out, pop, trains, tstop)
    for item in filter(None, args.record.split(',')):
        pop, node = item.split(':')
        out['spikes'][item] = per_pop[pop][int(node)].tolist()
    json.dump(out, sys.stdout)


def summarise(out, key, trains, tstop):
    count = sum(len(t) for t in trains.values())
    out['rates_hz'][key] = 1000.0 * count / (len(trains) * tstop)
    cvs = []
    for t in trains.values():
        if len(t) >= 3:
            isi = np.diff(t)
            cvs.append(isi.std() / isi.mean())
    out['cv'][key] = float(np.mean(cvs)) if cvs else None


if __name__ == '__main__':
    main()
