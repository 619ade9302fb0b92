#!/usr/bin/python3
"""Golden numbers from PyTorch for TENT's step (Wang et al. 2021) on a tiny conv + batch-norm network.

Usage: /usr/bin/python3 scripts/torch_tent_golden.py > test/golden/tent-torch.json
As in github.com/DequanWang/tent: batch norm in training mode without running statistics, the mean softmax entropy
minimised by Adam (lr 1e-3, betas 0.9/0.999, no weight decay) over the batch-norm weight and bias only, one step per
batch, the batch's logits taken from the forward before the step. The file holds the weights, three batches, and per
step the logits, the gradient of gamma and beta, and gamma and beta after the step.
"""
import json

import torch

torch.manual_seed(2021)
nn = torch.nn


def flat(t):
    return [round(float(v), 8) for v in t.detach().reshape(-1).tolist()]


model = nn.Sequential(
    nn.Conv2d(1, 3, 3, padding=1),
    nn.BatchNorm2d(3, track_running_stats=False),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(27, 4),
)
with torch.no_grad():
    model[1].weight.uniform_(0.5, 1.5)
    model[1].bias.uniform_(-0.5, 0.5)
model.train()
for p in model.parameters():
    p.requires_grad_(False)
affine = [model[1].weight, model[1].bias]
for p in affine:
    p.requires_grad_(True)
weights = {
    "conv.weight": flat(model[0].weight),
    "conv.bias": flat(model[0].bias),
    "bn.weight": flat(model[1].weight),
    "bn.bias": flat(model[1].bias),
    "fc.weight": flat(model[5].weight),  # [out, in]
    "fc.bias": flat(model[5].bias),
}
optimizer = torch.optim.Adam(affine, lr=1e-3, betas=(0.9, 0.999), weight_decay=0.0)

steps = []
for step in range(3):
    x = torch.rand(8, 1, 6, 6) * 2 + step * 0.5
    logits = model(x)
    entropy = -(logits.softmax(1) * logits.log_softmax(1)).sum(1).mean(0)
    optimizer.zero_grad()
    entropy.backward()
    grads = {"bn.weight": flat(affine[0].grad), "bn.bias": flat(affine[1].grad)}
    optimizer.step()
    steps.append({
        "x": flat(x),
        "logits": flat(logits),
        "entropy": float(entropy),
        "grads": grads,
        "after": {"bn.weight": flat(affine[0]), "bn.bias": flat(affine[1])},
    })

print(json.dumps({"input_shape": [1, 6, 6], "batch": 8, "lr": 1e-3, "weights": weights, "steps": steps}))
