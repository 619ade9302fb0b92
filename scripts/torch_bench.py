#!/usr/bin/python3
"""PyTorch anchor for `neuroplast bench train-mlp` / `train-cnn`: one-thread training throughput, same shapes.

Usage: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/torch_bench.py mlp|cnn SECONDS
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
nn = torch.nn
if which == "mlp":
    batch = 128
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
elif which == "cnn":
    # The small CNN of the engine issue: conv32-pool-conv64-pool-dense10 (3x3 convs, padding 1).
    batch = 64
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 10),
    )
else:
    raise SystemExit(f"unknown model {which}")
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
