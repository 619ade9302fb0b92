#!/usr/bin/env python3
"""Independent reader of a SONATA circuit (h5py + csv + json), the oracle of neuroplast's importer.

Prints one JSON object: per node population the count per node type and model; per edge population the edge and
synapse counts, per (source type, target type) the edges, synapses and summed weight (syn_weight x nsyns, as BMTK's
point-neuron adaptor computes it), the distinct delays, and every edge's source, target, weight, delay and nsyns.

usage: sonata_oracle.py CONFIG.json   (a circuit config, or a simulation config whose "network" names one)
"""
import csv
import json
import os
import re
import sys
from collections import defaultdict

import h5py
import numpy as np


def resolve_manifest(cfg, config_dir):
    manifest = {k.lstrip('$'): v for k, v in cfg.get('manifest', {}).items()}
    manifest.setdefault('configdir', config_dir)

    def expand(text):
        for _ in range(32):
            new = re.sub(r'\$\{(\w+)\}|\$(\w+)', lambda m: manifest[m.group(1) or m.group(2)], text)
            if new == text:
                return new
            text = new
        raise ValueError('manifest cycle')

    for k in list(manifest):
        manifest[k] = expand(manifest[k])

    def walk(v):
        if isinstance(v, str):
            return expand(v)
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items() if k != 'manifest'}
        return v

    return walk(cfg)


def load(path):
    path = os.path.abspath(path)
    with open(path) as f:
        cfg = json.load(f)
    return resolve_manifest(cfg, os.path.dirname(path)), os.path.dirname(path)


def at(base, p):
    return p if os.path.isabs(p) else os.path.normpath(os.path.join(base, p))


def read_types(path, id_col):
    with open(path) as f:
        rows = list(csv.DictReader(f, delimiter=' '))
    return {int(r[id_col]): r for r in rows}


def per_edge(grp, types, etype, col, default):
    n = len(etype)
    by_type = {t: float(r[col]) if r.get(col) not in (None, '', 'NULL') else default for t, r in types.items()}
    vals = np.array([by_type[int(t)] for t in etype], dtype=float)
    gid = grp['edge_group_id'][()] if 'edge_group_id' in grp else np.zeros(n, np.int64)
    gidx = grp['edge_group_index'][()] if 'edge_group_index' in grp else np.arange(n)
    for g in np.unique(gid):
        name = str(int(g))
        if name in grp and col in grp[name]:
            rows = gid == g
            vals[rows] = grp[name][col][()][gidx[rows]]
    return vals


def main(config_path):
    cfg, base = load(config_path)
    if 'networks' not in cfg and 'network' in cfg:
        cfg, base = load(at(base, cfg['network']))
    out = {'populations': [], 'edges': []}
    node_types_of = {}
    for entry in cfg['networks']['nodes']:
        types = read_types(at(base, entry['node_types_file']), 'node_type_id')
        with h5py.File(at(base, entry['nodes_file']), 'r') as h5:
            for pop, grp in h5['nodes'].items():
                tid = grp['node_type_id'][()].astype(np.int64)
                node_types_of[pop] = tid
                counts = defaultdict(int)
                for t in tid:
                    counts[int(t)] += 1
                models = []
                for t in sorted(types):
                    row = types[t]
                    model = 'virtual' if row.get('model_type') == 'virtual' else row.get('model_template', '').replace('nest:', '')
                    models.append({'id': t, 'model': model, 'count': counts.get(t, 0)})
                out['populations'].append({'population': pop, 'size': int(len(tid)), 'types': models})
    for entry in cfg['networks']['edges']:
        types = read_types(at(base, entry['edge_types_file']), 'edge_type_id')
        with h5py.File(at(base, entry['edges_file']), 'r') as h5:
            for pop, grp in h5['edges'].items():
                src_ds, tgt_ds = grp['source_node_id'], grp['target_node_id']
                src_pop = src_ds.attrs['node_population']
                tgt_pop = tgt_ds.attrs['node_population']
                src_pop = src_pop.decode() if isinstance(src_pop, bytes) else str(src_pop)
                tgt_pop = tgt_pop.decode() if isinstance(tgt_pop, bytes) else str(tgt_pop)
                src = src_ds[()].astype(np.int64)
                tgt = tgt_ds[()].astype(np.int64)
                etype = grp['edge_type_id'][()].astype(np.int64)
                n = len(src)

                nsyns = per_edge(grp, types, etype, 'nsyns', 1.0)
                weight = per_edge(grp, types, etype, 'syn_weight', np.nan) * nsyns
                delay = per_edge(grp, types, etype, 'delay', np.nan)
                st, tt = node_types_of[src_pop], node_types_of[tgt_pop]
                pairs = {}
                for k in range(n):
                    key = (int(st[src[k]]), int(tt[tgt[k]]))
                    p = pairs.setdefault(key, {'sourceType': key[0], 'targetType': key[1], 'count': 0, 'nsyns': 0.0, 'weightSum': 0.0})
                    p['count'] += 1
                    p['nsyns'] += float(nsyns[k])
                    p['weightSum'] += float(weight[k])
                out['edges'].append({
                    'population': pop,
                    'source': src_pop,
                    'target': tgt_pop,
                    'count': int(n),
                    'nsyns': float(nsyns.sum()),
                    'pairs': [pairs[k] for k in sorted(pairs)],
                    'delaysMs': sorted(set(float(d) for d in delay)),
                    'perEdge': {
                        'source': src.tolist(),
                        'target': tgt.tolist(),
                        'weight': weight.tolist(),
                        'delay': delay.tolist(),
                        'nsyns': nsyns.tolist(),
                    },
                })
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main(sys.argv[1])
