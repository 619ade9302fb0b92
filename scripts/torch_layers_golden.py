#!/usr/bin/python3
"""Golden forward/backward numbers from PyTorch for neuroplast's layers (conv, batch norm, pooling, residual block).

Usage: /usr/bin/python3 scripts/torch_layers_golden.py > test/golden/layers-torch.json
Each case holds the input, parameters, an upstream gradient dy, and PyTorch's output, input gradient and parameter
gradients (plus batch-norm running statistics), so the unit test runs without Python.
"""
import json

import torch

torch.manual_seed(1234)
nn = torch.nn


def flat(t):
    return [round(float(v), 8) for v in t.detach().reshape(-1).tolist()]


def case(name, module, shape, training=True, extra=None):
    module.train(training)
    x = (torch.rand(*shape) * 4 - 2).requires_grad_(True)
    params = {k: flat(v) for k, v in module.named_parameters()}
    buffers_before = {k: flat(v) for k, v in module.named_buffers() if "num_batches" not in k}
    y = module(x)
    dy = torch.rand_like(y) * 2 - 1
    y.backward(dy)
    out = {
        "name": name,
        "shape": list(shape),
        "training": training,
        "x": flat(x),
        "params": params,
        "buffers_before": buffers_before,
        "y_shape": list(y.shape),
        "y": flat(y),
        "dy": flat(dy),
        "dx": flat(x.grad),
        "grads": {k: flat(v.grad) for k, v in module.named_parameters()},
        "buffers_after": {k: flat(v) for k, v in module.named_buffers() if "num_batches" not in k},
    }
    if extra:
        out.update(extra)
    return out


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(h)) + self.shortcut(x))


def randomize_bn(m):
    for mod in m.modules():
        if isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
            with torch.no_grad():
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.5, 0.5)
                mod.running_mean.uniform_(-0.5, 0.5)
                mod.running_var.uniform_(0.5, 1.5)
    return m


cases = [
    case("conv2d", nn.Conv2d(2, 3, 3, stride=2, padding=1), (2, 2, 7, 6),
         extra={"config": {"in": 2, "out": 3, "kernel": 3, "stride": 2, "padding": 1}}),
    case("batchnorm2d-train", randomize_bn(nn.BatchNorm2d(3)), (4, 3, 3, 2)),
    case("batchnorm2d-eval", randomize_bn(nn.BatchNorm2d(3)), (4, 3, 3, 2), training=False),
    case("batchnorm1d-train", randomize_bn(nn.BatchNorm1d(5)), (6, 5)),
    case("maxpool2d", nn.MaxPool2d(3, 2, 1), (2, 3, 6, 6)),
    case("avgpool2d", nn.AvgPool2d(3, 2, 1), (2, 3, 6, 6)),
    case("basic-block", randomize_bn(BasicBlock(3, 6, 2)), (2, 3, 6, 6)),
]
print(json.dumps({"torch": torch.__version__, "cases": cases}))
