#!/usr/bin/python3
"""Step A: open a SONATA circuit with BMTK's pure-Python reader (bmtk.utils.sonata) and summarise what it reads.

Usage: PYTHONPATH=src /usr/bin/python3 check_sonata.py DIR [DIR ...]
DIR is a directory with config.circuit.json (network files are taken from its 'networks' section after BMTK's own
config loader resolved the manifest).  Writes DIR-summary to out/<name>.sonata.pkl for compare.py.
"""
import os, sys, json, pickle, warnings, traceback, itertools
MAX_EDGES = int(os.environ.get('MAX_EDGES', '0')) or None  # iterate at most this many edges per population
import numpy as np
import pandas as pd

warnings.simplefilter('always')
from bmtk.utils import sonata
from bmtk.utils.sonata import utils as sutils
from bmtk.utils.sonata.config import SonataConfig

OUT = os.environ.get('BMTK_CHECK_OUT', '/tmp/bmtk-check-out')
os.makedirs(OUT, exist_ok=True)


def main(d, tag):
    print('#' * 100)
    print('# bmtk.utils.sonata on', d)
    cfg = SonataConfig.from_json(os.path.join(d, 'config.circuit.json'))
    nodes_cfg = cfg['networks']['nodes']
    edges_cfg = cfg['networks']['edges']
    files = [n['nodes_file'] for n in nodes_cfg] + [e['edges_file'] for e in edges_cfg]
    types = [n['node_types_file'] for n in nodes_cfg] + [e['edge_types_file'] for e in edges_cfg]
    for f in files:
        with sutils.load_h5(f) as h:
            print('  magic/version check %s: check_magic=%s version=%s' % (os.path.basename(f), sutils.check_magic(h),
                                                                        sutils.get_version(h)))
    try:
        sonata.File(data_files=files, data_type_files=types)
        print('  all files in one sonata.File(): OK')
    except Exception as e:
        print('  all files in one sonata.File(): FAILED: %s: %s' % (type(e).__name__, e))
    # BMTK's simulators open each (h5, types csv) pair on its own (sonata_reader.load_nodes/load_edges); do the same.
    summary = {'nodes': {}, 'edges': {}}
    for f, t in zip(files, types):
        with warnings.catch_warnings(record=True) as ws:
            net = sonata.File(data_files=f, data_type_files=t)
        for w in ws:
            print('  WARNING (sonata.File %s):' % os.path.basename(f), w.category.__name__, w.message)
        print('\n  sonata.File(%s, %s): version %s has_nodes %s has_edges %s' % (
            os.path.basename(f), os.path.basename(t), net.version, net.has_nodes, net.has_edges))
        if net.has_nodes:
            do_nodes(net, summary)
        if net.has_edges:
            do_edges(net, summary)
    with open(os.path.join(OUT, tag + '.sonata.pkl'), 'wb') as fh:
        pickle.dump(summary, fh)


def do_nodes(net, summary):

    for pop in net.nodes.populations:
        print('\n  node population %r: %d nodes, groups %s' % (pop.name, len(pop), pop.group_ids))
        print('    node_types_table columns:', [c.name for c in pop.types_table.columns])
        for grp in pop.groups:
            print('    group %d: group columns %s, has_dynamics_params %s, all columns %s' % (
                grp.group_id, sorted(c.name for c in grp._group_columns),
                grp.has_dynamics_params, sorted(c.name for c in grp.all_columns)))
        df = pop.to_dataframe()
        print('    to_dataframe(): %d rows, columns %s' % (len(df), list(df.columns)))
        # iterate nodes one by one (merged type columns)
        rows = []
        for node in pop:
            r = {'node_id': node.node_id, 'node_type_id': node.node_type_id, 'group_id': node.group_id}
            for k in ('model_type', 'model_template', 'dynamics_params', 'ei', 'pop_name', 'model_name'):
                try:
                    r[k] = node[k]
                except Exception as e:
                    r[k] = '<%s>' % type(e).__name__
            rows.append(r)
        ndf = pd.DataFrame(rows)
        print('    iterated %d nodes; first: %s' % (len(ndf), rows[0]))
        cnt = ndf.groupby('node_type_id').size()
        print('    nodes per node_type_id:', dict(cnt))
        # get_node_id and filter
        n0 = pop.get_node_id(0)
        print('    get_node_id(0):', {k: n0[k] for k in ('node_type_id', 'model_type')})
        summary['nodes'][pop.name] = ndf


def do_edges(net, summary):
    for pop in net.edges.populations:
        print('\n  edge population %r: %d edges, source %s -> target %s, groups %s' % (
            pop.name, len(pop), pop.source_population, pop.target_population, pop.group_ids))
        print('    edge_types_table columns:', [c.name for c in pop.types_table.columns])
        for grp in pop.groups:
            print('    group %d: group columns %s, all columns %s' % (
                grp.group_id, sorted(c.name for c in grp._group_columns), sorted(c.name for c in grp.all_columns)))
        rows = []
        with warnings.catch_warnings(record=True) as ws:
            for e in itertools.islice(pop, MAX_EDGES):
                r = {'src': e.source_node_id, 'trg': e.target_node_id, 'edge_type_id': e.edge_type_id,
                     'group_id': e.group_id}
                for k in ('syn_weight', 'delay', 'nsyns', 'model_template', 'dynamics_params'):
                    try:
                        r[k] = e[k]
                    except Exception as ex:
                        r[k] = None
                rows.append(r)
        for w in ws[:5]:
            print('    WARNING (iterating edges):', w.category.__name__, w.message)
        edf = pd.DataFrame(rows)
        print('    iterated %d edges; first: %s' % (len(edf), rows[0]))
        print('    null counts:', dict(edf.isnull().sum()))
        # index-based access: get_target / get_source for every node, must give back all edges
        if MAX_EDGES is None:
            n_trg = sum(1 for t in sorted(set(edf.trg)) for _ in pop.get_target(t))
            n_src = sum(1 for s in sorted(set(edf.src)) for _ in pop.get_source(s))
            print('    sum over get_target(n) = %d, over get_source(n) = %d (expect %d)' % (n_trg, n_src, len(edf)))
        else:
            print('    (iterated only the first %d edges: MAX_EDGES)' % MAX_EDGES)
        # check that get_target(t) yields only edges to t and matches the iteration
        bad = 0
        for t in sorted(set(edf.trg))[:50]:
            if MAX_EDGES is not None:
                break
            got = sorted((e.source_node_id, e.target_node_id) for e in pop.get_target(t))
            want = sorted(map(tuple, edf[edf.trg == t][['src', 'trg']].values.tolist()))
            bad += got != want
        for s in sorted(set(edf.src))[:50]:
            if MAX_EDGES is not None:
                break
            got = sorted((e.source_node_id, e.target_node_id) for e in pop.get_source(s))
            want = sorted(map(tuple, edf[edf.src == s][['src', 'trg']].values.tolist()))
            bad += got != want
        print('    get_target/get_source consistency on first 50 nodes each: %d mismatches' % bad)
        summary['edges'][pop.name] = edf


if __name__ == '__main__':
    for d in sys.argv[1:]:
        d = os.path.abspath(d)
        tag = os.path.basename(os.path.normpath(d))
        os.chdir(d)  # BMTK's example configs use "$BASE_DIR": "." (relative to the working directory)
        try:
            main(d, tag)
        except Exception:
            print('FAILED on', d)
            traceback.print_exc()
