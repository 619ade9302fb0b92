#!/usr/bin/python3
"""PyTorch anchor for `neuroplast bench train-mlp`: one-thread training throughput on the same shapes.

Usage: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/torch_bench.py mlp SECONDS
Prints one JSON line: {"samples_per_s": ..., "step_ms": ..., "torch": version}.
"""
import json
import sys
import time

import torch

torch.set_num_threads(1)
torch.manual_seed(0)
which = sys.argv[1] if len(sys.argv) > 1 else "mlp"
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
if which != "mlp":
    raise SystemExit(f"unknown model {which}")
batch = 128
model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
x = torch.rand(batch, 1, 28, 28)
y = torch.randint(0, 10, (batch,))
loss_fn = torch.nn.CrossEntropyLoss()


def step():
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()


for _ in range(20):
    step()
steps = 0
t0 = time.perf_counter()
while time.perf_counter() - t0 < seconds:
    step()
    steps += 1
dt = time.perf_counter() - t0
print(json.dumps({"samples_per_s": steps * batch / dt, "step_ms": 1000 * dt / steps, "torch": torch.__version__}))
