"""A RECORDING STAND-IN for NEST (no simulation). It exists only so that BMTK's pointnet package can be imported and
its network-building code run up to the NEST API boundary: every nest.Create / nest.Connect / nest.SetStatus call is
recorded with the exact arguments BMTK passes, so they can be compared between two SONATA circuits."""
__version__ = 'nest-3.6.0'   # parsed by bmtk.simulator.pointnet.nest_utils.get_version -> [3, 6, 0]

CALLS = {'Create': [], 'Connect': [], 'SetStatus': []}
_next_id = [1]


class NodeCollection(object):
    def __init__(self, ids):
        self._ids = list(ids)

    def tolist(self):
        return list(self._ids)

    def __iter__(self):
        return iter([NodeCollection([i]) for i in self._ids])

    def __len__(self):
        return len(self._ids)


def Create(model, n=1, params=None, positions=None):
    ids = list(range(_next_id[0], _next_id[0] + n))
    _next_id[0] += n
    CALLS['Create'].append({'model': model, 'n': n, 'params': params, 'ids': ids})
    return NodeCollection(ids)


def Connect(pre, post, conn_spec=None, syn_spec=None):
    CALLS['Connect'].append({'pre': list(pre), 'post': list(post), 'conn_spec': conn_spec,
                             'syn_spec': dict(syn_spec) if syn_spec is not None else None})


def SetStatus(obj, params):
    ids = obj.tolist() if isinstance(obj, NodeCollection) else list(obj)
    CALLS['SetStatus'].append({'ids': ids, 'params': params})


def Rank():
    return 0


def NumProcesses():
    return 1


def SyncProcesses():
    pass


def set_verbosity(level):
    pass


def GetKernelStatus(*a, **k):
    return {'resolution': 0.1}


class _Errs(object):
    class BadDelay(Exception):
        pass


class kernel(object):
    NESTErrors = _Errs
