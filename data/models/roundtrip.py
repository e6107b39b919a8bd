#!/usr/bin/python3
"""Write tiny models plus PyTorch reference outputs for the C++ loader tests.

    /usr/bin/python3 data/models/roundtrip.py OUT_DIR

creates in OUT_DIR:

  tiny_model.h5           small CNN using every layer type of the format
                          (conv2d with stride 2 and padding, a non-square
                          kernel, batchnorm 2d and 1d with non-trivial running
                          statistics, relu as module / F.relu / torch.relu,
                          maxpool2d, avgpool2d with padding, a residual add,
                          flatten, dense); input [2, 12, 10] (C, H, W;
                          deliberately non-square with 2 channels), 5 classes
  tiny_reference.h5       datasets `inputs` float32 [16, 2, 12, 10] (already
                          normalised model inputs) and `logits` float32
                          [16, 5] computed by PyTorch in eval mode
  tiny_mlp.h5             flatten-dense-batchnorm-relu-dense-relu-dense;
                          input [1, 6, 6], 4 classes
  tiny_mlp_reference.h5   same as above for tiny_mlp.h5 ([16, 1, 6, 6], [16, 4])

and the format-version-2 models (docs/model_format.md section 4b), each with
its *_reference.h5 (16 inputs, PyTorch logits), 5 classes:

  tiny_vit.h5             input [2, 8, 12]: patch conv 4x4 stride 4, to_tokens
                          (6 tokens of 16), class token, positional embedding,
                          2 pre-norm blocks with nn.MultiheadAttention (2 heads)
                          and an MLP with GELU (exact in block 1, tanh in block
                          2), layernorm, select_token 0, dense
  tiny_vit_mean.h5        the same without class token: causal attention (a
                          constant causal attn_mask) in both blocks and
                          token_mean pooling
  tiny_lstm.h5            input [1, 12, 10] squeezed to 12 tokens of 10, a
                          2-layer nn.LSTM (hidden 16; dense + lstm per layer),
                          select_token -1, dense
  tiny_embed.h5           input [9] token ids (floats holding integers < 20):
                          embedding 12, layernorm, dense on tokens, tanh, dense,
                          sigmoid, token_mean, dense, softmax (outputs are
                          probabilities); the reference inputs are valid ids

and, for the ONNX importer (data/models/onnx_import.py, docs/onnx.md):

  tiny_model.onnx, tiny_vit.onnx, tiny_vit_mean.onnx, tiny_lstm.onnx,
  tiny_embed.onnx         the same models and weights exported with
                          torch.onnx.export (opset 17, dynamic batch axis);
                          each is imported here and must reproduce the
                          PyTorch logits of its *_reference.h5 (<= 1e-4)
  bad_unknown_op.onnx     valid ONNX with an unsupported operator (Cos, node
                          'cos'), bad_truncated.onnx (half of
                          tiny_model.onnx), bad_shape.onnx (Gemm 'fc' with a
                          [5, 3] weight on a width-4 input): each must be
                          rejected, which is checked here too

All models are trained for a few SGD steps on seeded random data so that
weights, biases and batch-norm statistics are all non-trivial.  Everything is
deterministic for a given --seed and runs in a few seconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export  # noqa: E402

N_REF = 16
# torch 1.13 exports up to opset 17, the first with LayerNormalization as one operator.
ONNX_OPSET = 17
# Stored as metadata in the model files only; the reference inputs are
# already normalised, so a test must feed them to the network unchanged.
INPUT_MEAN, INPUT_STD = 0.5, 0.25


class TinyCNN(nn.Module):
    """[2,12,10] -> conv 3x3 s2 p1 -> [4,6,5] -> (residual block with a 3x1
    conv) -> maxpool 2 -> [4,3,2] -> avgpool 3 s1 p1 -> flatten 24 ->
    dense 16 -> bn1d -> relu -> dense 5."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, 3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(4, 4, (3, 1), padding=(1, 0), bias=False)
        self.bn2 = nn.BatchNorm2d(4, eps=1e-3)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(24, 16)
        self.bn3 = nn.BatchNorm1d(16)
        self.fc2 = nn.Linear(16, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.relu1(self.bn1(self.conv1(x)))
        b = self.bn2(self.conv2(a))
        x = F.relu(a + b)                                           # residual add
        x = self.pool(x)
        x = F.avg_pool2d(x, 3, stride=1, padding=1)                 # count_include_pad=True
        x = torch.flatten(x, 1)
        x = torch.relu(self.bn3(self.fc1(x)))
        return self.fc2(x)


class TinyMLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(36, 24)
        self.bn1 = nn.BatchNorm1d(24)
        self.relu1 = nn.ReLU()
        self.fc2 = nn.Linear(24, 16)
        self.fc3 = nn.Linear(16, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.view(x.size(0), -1)
        x = self.relu1(self.bn1(self.fc1(x)))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class Block(nn.Module):
    """Pre-norm transformer block: x + attn(ln1(x)), then x + mlp(ln2(x))."""

    def __init__(self, d: int, heads: int, mlp: int, gelu_tanh: bool, causal_tokens: int = 0,
                 take_first: bool = False) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(d, eps=1e-6)
        self.fc1 = nn.Linear(d, mlp)
        self.act = nn.GELU(approximate="tanh") if gelu_tanh else nn.GELU()
        self.fc2 = nn.Linear(mlp, d)
        self.take_first = take_first
        if causal_tokens:
            # A constant causal mask (-inf above the diagonal): exported as causal=1.
            self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(
                causal_tokens))
        else:
            self.mask = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.ln1(x)
        if self.take_first:          # both ways of taking the output of the attention
            a = self.attn(h, h, h, need_weights=False, attn_mask=self.mask)[0]
        else:
            a, _ = self.attn(h, h, h, attn_mask=self.mask)
        x = x + a
        return x + self.fc2(self.act(self.fc1(self.ln2(x))))


class TinyViT(nn.Module):
    """[2,8,12] -> patch conv 4x4 s4 -> [16,2,3] -> to_tokens [6,16] -> class token [7,16]
    -> + positional embedding -> 2 pre-norm blocks (2 heads, MLP 24; GELU exact in the
    first, tanh in the second) -> layernorm -> token 0 -> dense 5.  With ``mean_pool``:
    no class token, causal attention in both blocks, F.gelu, mean over the tokens."""

    def __init__(self, mean_pool: bool = False) -> None:
        super().__init__()
        d, t = 16, 6
        self.mean_pool = mean_pool
        self.patch = nn.Conv2d(2, d, 4, stride=4)
        if not mean_pool:
            self.cls = nn.Parameter(0.5 * torch.randn(1, 1, d))
        self.pos = nn.Parameter(0.3 * torch.randn(1, t + (0 if mean_pool else 1), d))
        causal = t if mean_pool else 0
        self.block1 = Block(d, 2, 24, gelu_tanh=False, causal_tokens=causal, take_first=True)
        self.block2 = Block(d, 2, 24, gelu_tanh=True, causal_tokens=causal)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch(x).flatten(2).transpose(1, 2)
        if not self.mean_pool:
            x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1)
        x = x + self.pos
        x = self.norm(self.block2(self.block1(x)))
        return self.head(x.mean(dim=1) if self.mean_pool else x[:, 0])


class TinyLSTM(nn.Module):
    """[1,12,10] -> 12 tokens of 10 -> 2-layer LSTM (hidden 16) -> last token -> dense 5."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(10, 16, num_layers=2, batch_first=True)
        self.fc = nn.Linear(16, 5)
        with torch.no_grad():        # larger than the default init: gates far from 0.5
            for p in self.lstm.parameters():
                p.mul_(3.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x.squeeze(1))
        return self.fc(out[:, -1])


class TinyEmbed(nn.Module):
    """[9] token ids < 20 -> embedding 12 -> layernorm -> dense 16 (tokens) -> tanh ->
    dense 12 -> sigmoid -> mean over tokens -> dense 5 -> softmax."""

    VOCAB = 20

    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(self.VOCAB, 12)
        self.norm = nn.LayerNorm(12)
        self.fc1 = nn.Linear(12, 16)
        self.act = nn.Tanh()
        self.fc2 = nn.Linear(16, 12)
        self.head = nn.Linear(12, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(self.emb(x.long()))
        x = torch.sigmoid(self.fc2(self.act(self.fc1(x))))
        return F.softmax(self.head(x.mean(1)), dim=-1)


def _randomize_bn(model: nn.Module, gen: torch.Generator) -> None:
    for m in model.modules():
        if isinstance(m, nn.LayerNorm):
            d = m.normalized_shape[0]
            with torch.no_grad():
                m.weight.copy_(0.5 + torch.rand(d, generator=gen))
                m.bias.copy_(0.3 * torch.randn(d, generator=gen))
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            c = m.num_features
            with torch.no_grad():
                m.weight.copy_(0.5 + torch.rand(c, generator=gen))
                m.bias.copy_(0.3 * torch.randn(c, generator=gen))
                m.running_mean.copy_(0.5 * torch.randn(c, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(c, generator=gen))
            m.momentum = 0.3


def _inputs(model: nn.Module, n: int, input_shape, gen: torch.Generator) -> torch.Tensor:
    """Random model inputs: valid token ids (as floats) for the embedding model."""
    if isinstance(model, TinyEmbed):
        return torch.randint(0, TinyEmbed.VOCAB, (n, *input_shape), generator=gen).float()
    return 1.5 * torch.randn((n, *input_shape), generator=gen) + 0.3


def _train_a_little(model: nn.Module, input_shape, num_classes: int, gen: torch.Generator,
                    steps: int = 20) -> None:
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    model.train()
    for _ in range(steps):
        x = _inputs(model, 32, input_shape, gen)
        y = torch.randint(0, num_classes, (32,), generator=gen)
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    model.eval()


def _write_reference(path: str, inputs: np.ndarray, logits: np.ndarray, model_file: str) -> None:
    with export.atomic_output(path) as tmp:
        with h5py.File(tmp, "w") as f:
            f.create_dataset("inputs", data=np.ascontiguousarray(inputs, dtype="<f4"))
            f.create_dataset("logits", data=np.ascontiguousarray(logits, dtype="<f4"))
            f.attrs.create("model", data=model_file, dtype=h5py.string_dtype("utf-8"))


def export_onnx(out_dir: str, stem: str, model: nn.Module, inputs: torch.Tensor,
                logits: torch.Tensor) -> None:
    """Write ``stem``.onnx with torch.onnx.export (opset ONNX_OPSET, dynamic batch axis),
    then convert it back with onnx_import.py and check that the numpy interpreter of the
    converted file reproduces PyTorch's logits."""
    import warnings
    import onnx_import
    path = os.path.join(out_dir, f"{stem}.onnx")
    with export.atomic_output(path) as tmp, warnings.catch_warnings():
        # torch 1.13 warns about the batch_first MultiheadAttention/LSTM symbolic
        # functions and constant folding; the result is checked below.
        warnings.simplefilter("ignore")
        torch.onnx.export(model, inputs[:2], tmp, opset_version=ONNX_OPSET,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    with tempfile.TemporaryDirectory(dir=out_dir) as d:
        h5 = os.path.join(d, f"{stem}_from_onnx.h5")
        onnx_import.import_onnx(path, h5)
        err = float(np.abs(export.run_reference(h5, inputs.numpy())
                           - logits.double().numpy()).max())
    if err > 1e-4:
        raise RuntimeError(f"{path}: onnx_import.py result differs from PyTorch by {err}")
    print(f"wrote {path} (onnx_import.py + numpy re-evaluation max |diff| {err:.2e})")


def write_bad_onnx(out_dir: str) -> None:
    """ONNX files that onnx_import.py must reject (exit 2), for the C++ CLI tests:

    bad_unknown_op.onnx   a valid model with an operator outside the supported set (Cos)
    bad_truncated.onnx    the first half of tiny_model.onnx
    bad_shape.onnx        a valid-looking model whose Gemm weight [5, 3] does not match the
                          input width 4
    """
    import onnx
    import onnx_import
    from onnx import TensorProto, helper, numpy_helper

    def graph_model(nodes, inits, name: str):
        x = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 4])
        y = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 3])
        g = helper.make_graph(nodes, name, [x], [y], initializer=inits)
        return helper.make_model(g, opset_imports=[helper.make_opsetid("", ONNX_OPSET)],
                                 producer_name="xbarsim roundtrip.py")

    rng = np.random.default_rng(0)
    w43 = numpy_helper.from_array(rng.standard_normal((4, 3)).astype(np.float32), "w")
    w53 = numpy_helper.from_array(rng.standard_normal((5, 3)).astype(np.float32), "w")
    b3 = numpy_helper.from_array(np.zeros(3, np.float32), "b")
    cases = {
        "bad_unknown_op": graph_model(
            [helper.make_node("Gemm", ["input", "w", "b"], ["h"], name="fc"),
             helper.make_node("Cos", ["h"], ["logits"], name="cos")], [w43, b3], "unknown_op"),
        "bad_shape": graph_model(
            [helper.make_node("Gemm", ["input", "w", "b"], ["logits"], name="fc")],
            [w53, b3], "bad_shape"),
    }
    for stem, m in cases.items():
        onnx.checker.check_model(m)                  # both are valid ONNX files
        path = os.path.join(out_dir, f"{stem}.onnx")
        with export.atomic_output(path) as tmp:
            onnx.save(m, tmp)
    with open(os.path.join(out_dir, "tiny_model.onnx"), "rb") as f:
        whole = f.read()
    path = os.path.join(out_dir, "bad_truncated.onnx")
    with export.atomic_output(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(whole[:len(whole) // 2])
    # Each must be rejected, with the reason.
    expect = {"bad_unknown_op": "unsupported operator Cos (node 'cos', opset",
              "bad_truncated": "not a readable ONNX file",
              "bad_shape": "does not match the input width"}
    for stem, text in expect.items():
        path = os.path.join(out_dir, f"{stem}.onnx")
        try:
            onnx_import.convert(path)
        except onnx_import.ImportFailure as e:
            if text not in str(e) or path not in str(e):
                raise RuntimeError(f"{path}: unexpected import error: {e}") from None
            print(f"wrote {path} (rejected: {e})")
            continue
        raise RuntimeError(f"{path}: onnx_import.py accepted a bad file")


def make(out_dir: str, stem: str, model: nn.Module, input_shape, num_classes: int,
         seed: int, onnx: bool = False) -> float:
    gen = torch.Generator().manual_seed(seed)
    _randomize_bn(model, gen)
    _train_a_little(model, input_shape, num_classes, gen)
    model_path = os.path.join(out_dir, f"{stem}.h5")
    ref_path = os.path.join(out_dir, f"{stem}_reference.h5" if stem != "tiny_model"
                            else "tiny_reference.h5")
    export.export(model, model_path, name=stem, input_shape=input_shape, input_mean=INPUT_MEAN,
                  input_std=INPUT_STD, num_classes=num_classes)
    inputs = torch.randn((N_REF, *input_shape), generator=gen) if not isinstance(model, TinyEmbed) \
        else _inputs(model, N_REF, input_shape, gen)
    with torch.no_grad():
        logits = model(inputs)
    _write_reference(ref_path, inputs.numpy(), logits.numpy(), os.path.basename(model_path))
    # Cross-check: the numpy interpreter of the file must give the same logits.
    err = float(np.abs(export.run_reference(model_path, inputs.numpy()) - logits.double().numpy()).max())
    if err > 1e-4:
        raise RuntimeError(f"{model_path}: numpy re-evaluation differs by {err}")
    print(f"wrote {model_path} and {ref_path} (max |logit| {float(logits.abs().max()):.3f}, "
          f"numpy re-evaluation max |diff| {err:.2e})")
    if onnx:
        export_onnx(out_dir, stem, model, inputs, logits)
    return err


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 2)[2],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", metavar="OUT_DIR")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out_dir, exist_ok=True)
    torch.manual_seed(args.seed)
    make(args.out_dir, "tiny_model", TinyCNN(), [2, 12, 10], 5, args.seed, onnx=True)
    torch.manual_seed(args.seed + 1)
    make(args.out_dir, "tiny_mlp", TinyMLP(), [1, 6, 6], 4, args.seed + 1)
    torch.manual_seed(args.seed + 2)
    make(args.out_dir, "tiny_vit", TinyViT(), [2, 8, 12], 5, args.seed + 2, onnx=True)
    torch.manual_seed(args.seed + 3)
    make(args.out_dir, "tiny_vit_mean", TinyViT(mean_pool=True), [2, 8, 12], 5, args.seed + 3, onnx=True)
    torch.manual_seed(args.seed + 4)
    make(args.out_dir, "tiny_lstm", TinyLSTM(), [1, 12, 10], 5, args.seed + 4, onnx=True)
    torch.manual_seed(args.seed + 5)
    make(args.out_dir, "tiny_embed", TinyEmbed(), [9], 5, args.seed + 5, onnx=True)
    write_bad_onnx(args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
