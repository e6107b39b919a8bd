#!/usr/bin/python3
"""Self-test of onnx_import.py beyond the files roundtrip.py writes.

    /usr/bin/python3 data/models/check_onnx_import.py

Exports small PyTorch models with torch.onnx.export, converts them with
onnx_import.py and compares the numpy reference interpreter of the converted
file (export.run_reference) with PyTorch's own output (max |diff| <= 1e-4).
Covers what the tiny test files do not: opset 13 exports (LayerNorm
decomposed into ReduceMean/Sub/Pow/.../Add), GELU written by hand in several
operator orders (Erf and Tanh forms), a hand-written attention in
[N, heads, T, d] layout with separate q/k/v projections and the scale on the
scores, a CNN with batch norm and pooling. Also checks that unsupported
models are rejected with the expected message. Prints one line per case;
exit status 1 if any case fails. Takes about 20 s.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export  # noqa: E402
import onnx_import  # noqa: E402
import roundtrip  # noqa: E402


class GeluErf1(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.f, self.g = nn.Linear(6, 8), nn.Linear(8, 3)

    def act(self, h: torch.Tensor) -> torch.Tensor:
        return 0.5 * h * (1.0 + torch.erf(h / math.sqrt(2.0)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.g(self.act(self.f(x)))


class GeluErf2(GeluErf1):
    def act(self, h):
        return h * 0.5 * (1.0 + torch.erf(h * (1 / math.sqrt(2.0))))


class GeluErf3(GeluErf1):
    def act(self, h):
        return (1.0 + torch.erf(h / math.sqrt(2.0))) * h * 0.5


class GeluTanh(GeluErf1):
    def act(self, h):
        return 0.5 * h * (1 + torch.tanh(math.sqrt(2 / math.pi) * (h + 0.044715 * torch.pow(h, 3))))


class HandAttention(nn.Module):
    """Separate q/k/v projections, [N, heads, T, d] layout, scale 0.7 on the scores
    (folded into the q projection: the format divides by sqrt(d) itself)."""

    def __init__(self) -> None:
        super().__init__()
        self.q, self.k, self.v = nn.Linear(8, 8), nn.Linear(8, 8), nn.Linear(8, 8)
        self.o = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, t, d = x.shape
        q, k, v = (lin(x).view(n, t, 2, 4).transpose(1, 2) for lin in (self.q, self.k, self.v))
        a = torch.softmax(q @ k.transpose(-2, -1) * 0.7, dim=-1)
        return self.o((a @ v).transpose(1, 2).reshape(n, t, d).mean(1))


class SmallCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.c = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn(self.c(x))), 2)
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


class BiLSTM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.l = nn.LSTM(4, 6, batch_first=True, bidirectional=True)
        self.f = nn.Linear(12, 3)

    def forward(self, x):
        return self.f(self.l(x)[0][:, -1])


class LSTMState(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.l = nn.LSTM(4, 6, batch_first=True)
        self.f = nn.Linear(6, 3)

    def forward(self, x):
        return self.f(self.l(x)[1][0][-1])


class Cosine(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.f = nn.Linear(4, 3)

    def forward(self, x):
        return torch.cos(self.f(x))


def run_case(name: str, model: nn.Module, shape, opset: int, ids: bool = False,
             error: str = "") -> bool:
    model.eval()
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(0, 20, (5, *shape), generator=gen).float() if ids \
        else torch.randn((5, *shape), generator=gen)
    with tempfile.TemporaryDirectory() as d, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = os.path.join(d, f"{name}.onnx")
        torch.onnx.export(model, x[:2], path, opset_version=opset, input_names=["input"],
                          output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        try:
            onnx_import.import_onnx(path, path + ".h5")
        except onnx_import.ImportFailure as e:
            ok = bool(error) and error in str(e)
            print(f"{'ok  ' if ok else 'FAIL'} {name} (opset {opset}): rejected: {e}")
            return ok
        if error:
            print(f"FAIL {name} (opset {opset}): accepted, expected an error with {error!r}")
            return False
        with torch.no_grad():
            ref = model(x).double().numpy()
        err = float(np.abs(export.run_reference(path + ".h5", x.numpy()) - ref).max())
        types = [L.type for L in export.read_model(path + ".h5")[1]]
    ok = err <= 1e-4
    print(f"{'ok  ' if ok else 'FAIL'} {name} (opset {opset}): max |diff| {err:.2e}; "
          f"{len(types)} layers: {' '.join(types)}")
    return ok


def main() -> int:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    results = []
    for opset in (13, 17):
        results.append(run_case("tiny_vit", roundtrip.TinyViT(), [2, 8, 12], opset))
        results.append(run_case("tiny_vit_mean", roundtrip.TinyViT(mean_pool=True),
                                [2, 8, 12], opset))
        results.append(run_case("tiny_lstm", roundtrip.TinyLSTM(), [1, 12, 10], opset))
        results.append(run_case("tiny_embed", roundtrip.TinyEmbed(), [9], opset, ids=True))
    for cls in (GeluErf1, GeluErf2, GeluErf3, GeluTanh):
        results.append(run_case(cls.__name__, cls(), [6], 17))
    results.append(run_case("hand_attention", HandAttention(), [5, 8], 17))
    results.append(run_case("small_cnn", SmallCNN(), [1, 8, 8], 17))
    results.append(run_case("bidirectional_lstm", BiLSTM(), [5, 4], 17,
                            error="only forward LSTMs are supported"))
    results.append(run_case("lstm_state", LSTMState(), [5, 4], 17,
                            error="the final LSTM state"))
    results.append(run_case("cosine", Cosine(), [4], 17, error="unsupported operator Cos"))
    bad = results.count(False)
    print(f"{len(results) - bad}/{len(results)} cases passed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
