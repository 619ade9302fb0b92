#!/usr/bin/python3
"""Step B+C: BMTK's config loader and BMTK pointnet's network-building code, run up to the NEST API.

NEST is not installed, so fake_nest/nest (a recorder, no simulation) stands in for it: BMTK's own code
(bmtk.simulator.pointnet.Config, PointNetwork.from_config, build_nodes, build_recurrent_edges, add_spike_trains with
SpikeTrains.load) runs unchanged and every nest.Create / nest.Connect / nest.SetStatus call is recorded with the
arguments BMTK passes.  Nothing is simulated and no output directory is created.

Usage: PYTHONPATH=src:fake_nest /usr/bin/python3 check_pointnet.py DIR [DIR ...]
Writes out/<name>.pointnet.pkl for compare.py.
"""
import os, sys, json, pickle, traceback, logging, warnings
import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.environ.get('BMTK_CHECK_OUT', '/tmp/bmtk-check-out')
os.makedirs(OUT, exist_ok=True)

import nest  # the recorder
assert hasattr(nest, 'CALLS'), 'expected the fake nest recorder (PYTHONPATH must include fake_nest)'
from bmtk.simulator import pointnet
from bmtk.simulator.pointnet.pointnetwork import PointNetwork
from bmtk.simulator.core.simulation_config import SimulationConfig
from bmtk.utils.sonata.config import SonataConfig
from bmtk.utils.reports.spike_trains import SpikeTrains


class Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append((record.levelname, record.name, record.getMessage()))


def main(d, tag):
    print('#' * 100)
    print('# BMTK config + pointnet build on', d)
    for k in nest.CALLS:
        nest.CALLS[k].clear()
    cap = Capture()
    logging.getLogger().addHandler(cap)
    cap.setLevel(logging.DEBUG)

    sim_cfg = os.path.join(d, 'config.simulation.json')
    # --- config loading -----------------------------------------------------------------------------------------
    sc = SonataConfig.from_json(sim_cfg)
    print('  SonataConfig keys:', sorted(sc.keys()))
    print('  manifest:', sc['manifest'])
    print('  run:', sc.run, ' target_simulator:', sc.get('target_simulator'))
    print('  components:', sc.components)
    for k, v in sc.components.items():
        print('    %s exists=%s' % (k, os.path.isdir(v)))
    for n in sc.nodes:
        print('  nodes: %s (exists=%s)  %s (exists=%s)' % (n['nodes_file'], os.path.exists(n['nodes_file']),
                                                        n['node_types_file'], os.path.exists(n['node_types_file'])))
    for e in sc.edges:
        print('  edges: %s (exists=%s)  %s (exists=%s)' % (e['edges_file'], os.path.exists(e['edges_file']),
                                                        e['edge_types_file'], os.path.exists(e['edge_types_file'])))
    for name, inp in sc.inputs.items():
        print('  input %s: %s (exists=%s)' % (name, inp, os.path.exists(inp.get('input_file', ''))))
    print('  output:', sc.output)
    print('  node_sets:', sc.node_sets)
    conf = pointnet.Config.from_json(sim_cfg)
    # validate() uses BMTK's JSON schema (bmtk/simulator/core/sonata_schemas/config_schema.json)
    try:
        conf.validate()
        print('  SimulationConfig.validate(): OK')
    except BaseException as e:
        print('  SimulationConfig.validate(): FAILED %s: %s' % (type(e).__name__, e))

    # --- network building ---------------------------------------------------------------------------------------
    net = PointNetwork.from_config(conf)
    print('  PointNetwork.from_config: node populations', [p.name for p in net.node_populations],
          'edge populations', [(e.name, e.source_nodes, e.target_nodes, e.virtual_connections)
                               for e in net._edge_populations])
    for p in net.node_populations:
        print('    node pop %s: n=%d internal_only=%s virtual_only=%s mixed=%s' % (
            p.name, p.n_nodes(), p.internal_nodes_only, p.virtual_nodes_only, p.mixed_nodes))
    net.build_nodes()
    print('  build_nodes: %d nest.Create calls' % len(nest.CALLS['Create']))
    net.build_recurrent_edges()
    print('  build_recurrent_edges: %d nest.Connect calls' % len(nest.CALLS['Connect']))
    n_rec_connect = len(nest.CALLS['Connect'])
    for name, inp in conf.inputs.items():
        node_set = net.get_node_set(inp['node_set'])
        params = {k: v for k, v in inp.items() if k not in ('input_file', 'module')}
        st = SpikeTrains.load(path=inp['input_file'], file_type=inp['module'], **params)
        print('  input %s: SpikeTrains.load -> populations %s, n_spikes %s, node_set %s -> %s' % (
            name, st.populations, {p: st.n_spikes(population=p) for p in st.populations}, inp['node_set'],
            node_set.population_names()))
        net.add_spike_trains(st, node_set, {'precise_times': True})
    print('  add_spike_trains: %d more nest.Connect calls, %d SetStatus (spike_generator) calls' % (
        len(nest.CALLS['Connect']) - n_rec_connect, len(nest.CALLS['SetStatus'])))

    # --- translate recorded calls back to SONATA ids ----------------------------------------------------------------
    nest2node = {}
    for pool in (net.gid_map, net._virtual_gids):
        for pop, lu in pool._nestid_lu.items():
            for node_id, nid in zip(lu.index.values, lu['nest_ids'].values):
                nest2node[int(nid)] = (pop, int(node_id))
    nodes = []
    for c in nest.CALLS['Create']:
        for nid in c['ids']:
            pop, node_id = nest2node.get(nid, (None, None))
            nodes.append({'pop': pop, 'node_id': node_id, 'model': c['model'], 'params': c['params']})
    nodes = pd.DataFrame(nodes)
    edges = []
    for c in nest.CALLS['Connect']:
        s = c['syn_spec']
        n = len(c['pre'])
        w = np.broadcast_to(np.asarray(s.get('weight')), (n,))
        dl = np.broadcast_to(np.asarray(s.get('delay', np.nan)), (n,))
        rt = s.get('receptor_type', 0)
        extra = sorted(set(s) - {'weight', 'delay', 'receptor_type', 'synapse_model', 'model'})
        for i in range(n):
            sp, sn = nest2node[int(c['pre'][i])]
            tp, tn = nest2node[int(c['post'][i])]
            edges.append((sp, sn, tp, tn, float(w[i]), float(dl[i]), int(rt), s.get('synapse_model'),
                          ','.join(extra), type(s.get('delay')).__name__))
    edges = pd.DataFrame(edges, columns=['src_pop', 'src', 'trg_pop', 'trg', 'weight', 'delay', 'receptor_type',
                                         'synapse_model', 'extra_keys', 'delay_pytype'])
    print('  recorded: %d nodes created (%s), %d connections' % (
        len(nodes), dict(nodes.groupby('model').size()), len(edges)))
    print('  syn_spec delay python types passed to nest.Connect:', dict(edges.groupby('delay_pytype').size()))
    print('  extra syn_spec keys:', dict(edges.groupby('extra_keys').size()))
    sset = nest.CALLS['SetStatus']
    n_sg_spikes = sum(len(c['params']['spike_times']) for c in sset)
    print('  spike_generator spike_times set: %d spikes on %d generators' % (n_sg_spikes, len(sset)))
    spikes = []
    for c in sset:
        for nid in c['ids']:
            pop, node_id = nest2node[nid]
            for t in c['params']['spike_times']:
                spikes.append((pop, node_id, float(t)))
    spikes = pd.DataFrame(spikes, columns=['pop', 'node_id', 't'])

    logging.getLogger().removeHandler(cap)
    warn = [r for r in cap.records if r[0] in ('WARNING', 'ERROR', 'CRITICAL')]
    print('  BMTK log records: %d (%d warning/error)' % (len(cap.records), len(warn)))
    for r in cap.records:
        print('    LOG', r)
    with open(os.path.join(OUT, tag + '.pointnet.pkl'), 'wb') as f:
        pickle.dump({'nodes': nodes, 'edges': edges, 'spikes': spikes, 'dt': conf.dt, 'tstop': conf.tstop}, f)


if __name__ == '__main__':
    for d in sys.argv[1:]:
        d = os.path.abspath(d)
        tag = os.path.basename(os.path.normpath(d))
        os.chdir(d)  # BMTK's example configs use "$BASE_DIR": "." (relative to the working directory)
        try:
            main(d, tag)
        except BaseException:
            print('FAILED on', d)
            traceback.print_exc()
