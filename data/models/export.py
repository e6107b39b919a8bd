#!/usr/bin/python3
"""Export a PyTorch classifier to the xbarsim HDF5 model format (versions 1 and 2).

The file format is specified in docs/model_format.md.  In short: root
attributes describe the input (shape and normalisation) and the number of
classes; the group ``/layers`` holds one subgroup per layer, in topological
order, named ``000``, ``001``, ...; each layer names the layers it reads from.

Library use::

    import export                       # with data/models on sys.path
    export.export(model, "my_model.h5", name="my_model",
                  input_shape=(1, 28, 28), input_mean=0.2860,
                  input_std=0.3530, num_classes=10)

The model is put in eval mode and traced with ``torch.fx`` (nn.MultiheadAttention
and nn.LSTM are kept as leaf modules and split into the format's layers).
A file is written as format version 2 only when it uses a version-2 layer or
a token sequence; every other model is written as version 1, as before.
Only a small, explicit set of layers is understood (see ``SUPPORTED`` below
and data/models/README.md); anything else raises ``ValueError`` naming the
offending graph node.  By default the written file is read back and evaluated
with the pure-numpy reference interpreter (``run_reference``, defined in
modelfile.py with the writer and reader and re-exported here) and compared
against PyTorch before it is moved into place, so a file that does not
reproduce the model is never left behind.

Command line: see ``/usr/bin/python3 data/models/export.py --help``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import json
import operator
import os
import sys
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F

# The file format itself (constants, Layer, writer, reader, numpy reference interpreter)
# lives in modelfile.py, shared with onnx_import.py; its names are re-exported here.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import modelfile  # noqa: E402
from modelfile import (FORMAT, FORMAT_VERSION, INPUT_NAME, LAYER_TYPES, LAYER_TYPES_V1,  # noqa: E402,F401
                       LAYER_TYPES_V2, LIBVER, NUM_INPUTS, Layer, _erf, _eval_layer, _i64,
                       _layer_group_names, _set_str, _set_str_list, atomic_output, describe,
                       infer_shapes, read_model, required_version, run_reference)


def write_h5(path: str, layers: Sequence[Layer], *, name: str, input_shape: Sequence[int],
             input_mean: float, input_std: float, num_classes: int,
             extra_attrs: Optional[Dict[str, Any]] = None, producer: Optional[str] = None) -> None:
    """modelfile.write_h5 with this exporter (and the torch version) as the producer."""
    modelfile.write_h5(path, layers, name=name, input_shape=input_shape, input_mean=input_mean,
                       input_std=input_std, num_classes=num_classes, extra_attrs=extra_attrs,
                       producer=producer or f"xbarsim data/models/export.py, torch "
                                            f"{torch.__version__}")


SUPPORTED = """\
modules:    nn.Linear (on [N, F] or tokens [N, T, F]), nn.Conv2d (groups=1,
            dilation=1, zero padding), nn.MaxPool2d (dilation=1,
            ceil_mode=False), nn.AvgPool2d (ceil_mode=False, no
            divisor_override), nn.AdaptiveAvgPool2d (output size dividing the
            input size, e.g. (1, 1)), nn.ReLU, nn.BatchNorm1d (on [N, C]
            inputs), nn.BatchNorm2d, nn.Flatten (start_dim=1, end_dim=-1),
            nn.LayerNorm (over the last dimension), nn.GELU, nn.Sigmoid,
            nn.Tanh, nn.Softmax (last dimension), nn.Embedding (no max_norm),
            nn.MultiheadAttention (batch_first=True, equal q/k/v dimensions,
            no bias_kv / zero_attn / key_padding_mask; attn_mask only as a
            constant causal mask; result taken with [0]), nn.LSTM
            (batch_first=True, unidirectional, no proj_size, no initial
            state; result taken with [0]); nn.Identity and nn.Dropout* are
            skipped
functions:  F.relu, torch.relu, F.gelu, torch.sigmoid, F.sigmoid, torch.tanh,
            F.tanh, F.softmax / torch.softmax (last dimension), F.max_pool2d,
            F.avg_pool2d, F.adaptive_avg_pool2d, torch.flatten(x, 1),
            torch.flatten(x, 2) followed by .transpose(1, 2) (patches to
            tokens), operator.add (a + b), torch.add(a, b), a + parameter or
            a + number (constant add), torch.cat([cls.expand(N, -1, -1), x],
            1) (class token), torch.mean(x, 1) (token mean), x[:, i] (one
            token), F.dropout(training=False) (skipped)
methods:    x.relu(), x.sigmoid(), x.tanh(), x.softmax(-1), x.flatten(1),
            x.flatten(2).transpose(1, 2), x.view(...) / x.reshape(...) keeping
            the batch dimension (to [N, F] or [N, T, D] or [N, C, H, W]),
            x.squeeze(1), x.mean(1), x.add(y), x.long() / x.int() feeding an
            nn.Embedding, x.contiguous() (skipped), x.size(...) /
            x.shape[...] as arguments of view/reshape/expand"""



def _pair(v: Any, what: str, node_name: str) -> Tuple[int, int]:
    if isinstance(v, (tuple, list)):
        if len(v) != 2:
            raise ValueError(f"node '{node_name}': {what}={v!r} must have 2 elements")
        a, b = v
    else:
        a = b = v
    if not isinstance(a, int) or not isinstance(b, int):
        raise ValueError(f"node '{node_name}': {what}={v!r} must be int or pair of ints")
    return int(a), int(b)


def _f32(t: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(t.detach().cpu().to(torch.float32).numpy(), dtype="<f4")



# Signatures used only to bind the (args, kwargs) recorded by torch.fx for
# functional calls, so that positional and keyword forms are handled alike.
def _sig_relu(input, inplace=False): pass                                  # noqa: E704
def _sig_unary(input): pass                                                # noqa: E704
def _sig_max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1,
                    ceil_mode=False, return_indices=False): pass           # noqa: E704
def _sig_avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
                    count_include_pad=True, divisor_override=None): pass   # noqa: E704
def _sig_adaptive_avg_pool2d(input, output_size): pass                     # noqa: E704
def _sig_flatten(input, start_dim=0, end_dim=-1): pass                     # noqa: E704
def _sig_add(input, other, alpha=1): pass                                  # noqa: E704
def _sig_binary(a, b): pass                                                # noqa: E704
def _sig_dropout(input, p=0.5, training=True, inplace=False): pass         # noqa: E704
def _sig_gelu(input, approximate="none"): pass                             # noqa: E704
def _sig_softmax(input, dim=None, _stacklevel=3, dtype=None): pass         # noqa: E704
def _sig_mean(input, dim=None, keepdim=False, dtype=None): pass            # noqa: E704
def _sig_cat(tensors, dim=0): pass                                         # noqa: E704
def _sig_transpose(input, dim0, dim1): pass                                # noqa: E704
def _sig_squeeze(input, dim=None): pass                                    # noqa: E704
def _sig_mha(query, key, value, key_padding_mask=None, need_weights=True,
             attn_mask=None, average_attn_weights=True): pass              # noqa: E704
def _sig_lstm(input, hx=None): pass                                        # noqa: E704


def _bind(sig: Callable, node: torch.fx.Node, args: Sequence, kwargs: Dict) -> Dict[str, Any]:
    try:
        bound = inspect.signature(sig).bind(*args, **kwargs)
    except TypeError as e:
        raise ValueError(f"node '{node.name}' ({_describe_node(node)}): "
                         f"unsupported arguments: {e}") from None
    bound.apply_defaults()
    return dict(bound.arguments)


def _describe_node(node: torch.fx.Node) -> str:
    t = node.target
    if node.op == "call_function":
        mod = getattr(t, "__module__", None) or ""
        t = f"{mod + '.' if mod else ''}{getattr(t, '__name__', repr(t))}"
    return f"op={node.op}, target={t}"


# ---------------------------------------------------------------------------
# Graph -> layers
# ---------------------------------------------------------------------------

class _ShapeRecorder(torch.fx.Interpreter):
    """Runs the traced graph on a sample and records each node's output."""

    def __init__(self, gm: torch.fx.GraphModule):
        super().__init__(gm)
        self.shapes: Dict[torch.fx.Node, Optional[Tuple[int, ...]]] = {}

    def run_node(self, n: torch.fx.Node) -> Any:
        try:
            result = super().run_node(n)
        except Exception as e:
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise ValueError(f"running the model on a sample failed at node "
                             f"'{n.name}' ({_describe_node(n)}): {msg}") from e
        self.shapes[n] = tuple(result.shape) if isinstance(result, torch.Tensor) else None
        return result


class _Tracer(torch.fx.Tracer):
    """torch.fx tracer that keeps nn.MultiheadAttention and nn.LSTM (and user subclasses
    of them, which the default tracer would trace into) as single graph nodes: the
    converter splits them into the format's dense/attention/lstm layers itself."""

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        if isinstance(m, (nn.MultiheadAttention, nn.LSTM)):
            return True
        return super().is_leaf_module(m, qualname)

    def call_module(self, m: nn.Module, forward: Callable, args: Any, kwargs: Any) -> Any:
        # Their result is a tuple; return it as a tuple of getitem proxies rather than one
        # proxy, so that `out, _ = self.lstm(x)` traces: unpacking a proxy makes torch.fx
        # 1.13 decode the caller's bytecode, which fails under Python 3.11. The unused
        # getitem nodes are removed by dead-code elimination.
        out = super().call_module(m, forward, args, kwargs)
        if isinstance(m, nn.MultiheadAttention):
            return out[0], out[1]
        if isinstance(m, nn.LSTM):
            return out[0], (out[1][0], out[1][1])
        return out


_SKIP_MODULES = (nn.Identity, nn.Dropout, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout,
                 nn.FeatureAlphaDropout) + ((nn.Dropout1d,) if hasattr(nn, "Dropout1d") else ())

_SIGMOID_FUNCS = (torch.sigmoid, F.sigmoid)
_TANH_FUNCS = (torch.tanh, F.tanh)
_SOFTMAX_FUNCS = (F.softmax, torch.softmax)
# Casts that turn the (float) network input into token ids for nn.Embedding.
_INT_CAST_METHODS = ("long", "int")

_RELU_FUNCS = {F.relu: _sig_relu, torch.relu: _sig_unary}
for _name in ("relu_",):
    if hasattr(F, _name):
        _RELU_FUNCS[getattr(F, _name)] = _sig_unary
    if hasattr(torch, _name):
        _RELU_FUNCS[getattr(torch, _name)] = _sig_unary


def _is_token_transpose(node: torch.fx.Node) -> bool:
    """x.transpose(1, 2) / x.transpose(-1, -2) / torch.transpose(x, 1, 2) / x.permute(0, 2, 1)
    on a rank-3 tensor: swaps the two per-sample dimensions."""
    if node.op == "call_method" and node.target == "transpose" or \
            node.op == "call_function" and node.target is torch.transpose:
        try:
            v = inspect.signature(_sig_transpose).bind(*node.args, **node.kwargs).arguments
        except TypeError:
            return False
        d = (v["dim0"], v["dim1"])
        return all(isinstance(i, int) for i in d) and sorted(i % 3 for i in d) == [1, 2]
    if node.op == "call_method" and node.target == "permute":
        dims = node.args[1:]
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        return all(isinstance(i, int) for i in dims) and tuple(i % 3 for i in dims) == (0, 2, 1)
    return False


def _causal_mask(mask: torch.Tensor, t: int) -> Optional[int]:
    """1 if ``mask`` is the [t, t] causal attention mask of nn.MultiheadAttention (boolean
    True, or float -inf, strictly above the diagonal; zero/False elsewhere), else None."""
    if tuple(mask.shape) != (t, t):
        return None
    m = mask.numpy()
    upper = np.triu(np.ones((t, t), dtype=bool), 1)
    if m.dtype == np.bool_:
        return 1 if np.array_equal(m, upper) else None
    return 1 if np.all(np.isneginf(m[upper])) and np.all(m[~upper] == 0) else None


class _Converter:
    def __init__(self, gm: torch.fx.GraphModule, shapes: Dict[torch.fx.Node, Any], batch: int):
        self.gm = gm
        self.shapes = shapes
        self.batch = batch
        self.layers: List[Layer] = []
        self.alias: Dict[torch.fx.Node, str] = {}   # tensor node -> producing layer name
        self.helpers: set = set()                    # non-tensor helper nodes (x.size(0), ...)
        self.names = {INPUT_NAME}
        # Constant tensors (parameters/buffers read with get_attr, and values derived from
        # them): node -> (value, batched). ``batched`` means the value was expanded over
        # the batch dimension (cls.expand(N, -1, -1)) and ``value`` is one sample's part.
        self.consts: Dict[torch.fx.Node, Tuple[torch.Tensor, bool]] = {}
        # Leaf modules returning tuples (MultiheadAttention, LSTM): node -> layer name of
        # element 0; other elements are rejected by tuple_item().
        self.tuples: Dict[torch.fx.Node, str] = {}
        # x.flatten(2) nodes whose only users are .transpose(1, 2): node -> its input node;
        # the transpose emits one to_tokens layer.
        self.flat2: Dict[torch.fx.Node, torch.fx.Node] = {}

    # -- helpers -----------------------------------------------------------
    def shape(self, n: torch.fx.Node) -> Tuple[int, ...]:
        s = self.shapes.get(n)
        if s is None:
            raise ValueError(f"node '{n.name}' ({_describe_node(n)}) does not produce a tensor")
        return s

    def tensor_input(self, node: torch.fx.Node, arg: Any, what: str = "input") -> torch.fx.Node:
        if not isinstance(arg, torch.fx.Node) or arg not in self.alias:
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): {what} must be a "
                             f"tensor computed by supported layers, got {arg!r}")
        return arg

    def no_nodes(self, node: torch.fx.Node, values: Dict[str, Any], skip: Sequence[str]) -> None:
        """Reject graph-dependent values for arguments that must be constants."""
        for k, v in values.items():
            if k in skip:
                continue
            found = []
            torch.fx.node.map_arg(v, lambda a: found.append(a))
            if found:
                raise ValueError(f"node '{node.name}' ({_describe_node(node)}): argument "
                                 f"'{k}' must be a constant, not computed in the graph")

    def emit(self, node: torch.fx.Node, type_: str, inputs: Sequence[Any],
             attrs: Optional[Dict[str, Any]] = None,
             data: Optional[Dict[str, np.ndarray]] = None, name: Optional[str] = None) -> str:
        """Append a layer. ``inputs`` are graph nodes or (for the parts of a split module)
        layer names; ``name`` (default: the node's name) is made unique. Without an
        explicit ``name`` the node's output becomes the new layer."""
        base = name or node.name
        lname = base
        if lname in self.names:
            i = 1
            while f"{base}_{i}" in self.names:
                i += 1
            lname = f"{base}_{i}"
        self.names.add(lname)
        ins = [i if isinstance(i, str) else self.alias[i] for i in inputs]
        self.layers.append(Layer(type_, lname, ins, dict(attrs or {}), dict(data or {})))
        if name is None:
            self.alias[node] = lname
        return lname

    def expect_rank(self, node: torch.fx.Node, inp: torch.fx.Node, ranks: Sequence[int],
                    what: str) -> Tuple[int, ...]:
        s = self.shape(inp)
        if len(s) not in ranks:
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): {what} expects an "
                             f"input of rank {' or '.join(map(str, ranks))} (incl. batch), "
                             f"got shape {list(s)}")
        return s

    # -- layer builders ----------------------------------------------------
    def relu(self, node, inp):
        self.emit(node, "relu", [inp])

    def flatten(self, node, inp, start_dim=1, end_dim=-1):
        s = self.shape(inp)
        nd = len(s)
        if nd < 2 or start_dim % nd != 1 or end_dim % nd != nd - 1:
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): only flattening "
                             f"all non-batch dimensions (start_dim=1, end_dim=-1) is supported, "
                             f"got start_dim={start_dim}, end_dim={end_dim} on shape {list(s)}")
        self.emit(node, "flatten", [inp])

    def view_flatten(self, node, inp):
        """view/reshape/squeeze that keeps the batch dimension: a flatten to [N, features]
        is the version-1 ``flatten`` layer; any other per-sample shape of rank 1-3 (e.g.
        [N, 1, 28, 28] -> [N, 28, 28]: image rows as tokens) is a ``reshape``."""
        s_in, s_out = self.shape(inp), self.shape(node)
        if len(s_in) < 2 or len(s_out) < 2 or s_out[0] != s_in[0] or not 2 <= len(s_out) <= 4:
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): view/reshape must keep "
                             f"the batch dimension and give 1 to 3 dimensions per sample (e.g. "
                             f"x.view(x.size(0), -1)); it maps {list(s_in)} -> {list(s_out)}")
        if len(s_out) == 2:
            self.emit(node, "flatten", [inp])
        elif tuple(s_out) == tuple(s_in):
            self.alias[node] = self.alias[inp]
        else:
            self.emit(node, "reshape", [inp], {"shape": _i64(s_out[1:])})

    def maxpool(self, node, inp, kernel, stride, padding, dilation, ceil_mode, return_indices):
        self.expect_rank(node, inp, (4,), "maxpool2d")
        k = _pair(kernel, "kernel_size", node.name)
        s = k if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) \
            else _pair(stride, "stride", node.name)
        p = _pair(padding, "padding", node.name)
        if _pair(dilation, "dilation", node.name) != (1, 1):
            raise ValueError(f"node '{node.name}': max pooling with dilation != 1 is not supported")
        if ceil_mode:
            raise ValueError(f"node '{node.name}': max pooling with ceil_mode=True is not supported")
        if return_indices:
            raise ValueError(f"node '{node.name}': max pooling with return_indices=True is not supported")
        self.emit(node, "maxpool2d", [inp], {"kernel": _i64(k), "stride": _i64(s), "padding": _i64(p)})

    def avgpool(self, node, inp, kernel, stride, padding, ceil_mode, count_include_pad,
                divisor_override):
        self.expect_rank(node, inp, (4,), "avgpool2d")
        k = _pair(kernel, "kernel_size", node.name)
        s = k if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) \
            else _pair(stride, "stride", node.name)
        p = _pair(padding, "padding", node.name)
        if ceil_mode:
            raise ValueError(f"node '{node.name}': average pooling with ceil_mode=True is not supported")
        if divisor_override is not None:
            raise ValueError(f"node '{node.name}': average pooling with divisor_override is not supported")
        if not count_include_pad and p != (0, 0):
            raise ValueError(f"node '{node.name}': average pooling with padding requires "
                             f"count_include_pad=True (the format divides by kernel_h*kernel_w)")
        self.emit(node, "avgpool2d", [inp], {"kernel": _i64(k), "stride": _i64(s), "padding": _i64(p)})

    def adaptive_avgpool(self, node, inp, output_size):
        s = self.expect_rank(node, inp, (4,), "adaptive_avg_pool2d")
        h, w = s[2], s[3]
        if isinstance(output_size, (list, tuple)):
            if len(output_size) != 2:
                raise ValueError(f"node '{node.name}': output_size={output_size!r} must have 2 elements")
            oh, ow = output_size
        else:
            oh = ow = output_size
        oh = h if oh is None else int(oh)
        ow = w if ow is None else int(ow)
        if oh <= 0 or ow <= 0 or h % oh or w % ow:
            raise ValueError(f"node '{node.name}': adaptive average pooling {h}x{w} -> {oh}x{ow} "
                             f"is only supported when the output size divides the input size "
                             f"(e.g. output_size=(1, 1))")
        k = (h // oh, w // ow)
        self.emit(node, "avgpool2d", [inp], {"kernel": _i64(k), "stride": _i64(k), "padding": _i64((0, 0))})

    def add(self, node, a, b, alpha=1):
        if isinstance(alpha, torch.fx.Node) or alpha != 1:
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): add with alpha != 1 "
                             f"is not supported")
        # A parameter or a number added to a computed tensor (either order; the pos-embedding
        # x + self.pos) is add_constant; two computed tensors are the residual add.
        a_const = not (isinstance(a, torch.fx.Node) and a in self.alias)
        b_const = not (isinstance(b, torch.fx.Node) and b in self.alias)
        if a_const != b_const:
            x, c = (b, a) if a_const else (a, b)
            self.add_constant(node, x, c)
            return
        ta = self.tensor_input(node, a, "first operand")
        tb = self.tensor_input(node, b, "second operand")
        if self.shape(ta) != self.shape(tb):
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): add needs two tensors "
                             f"of equal shape (no broadcasting), got {list(self.shape(ta))} and "
                             f"{list(self.shape(tb))}")
        self.emit(node, "add", [ta, tb])

    def dense(self, node, inp, m: nn.Linear):
        self.expect_rank(node, inp, (2, 3), "nn.Linear")
        w = _f32(m.weight)
        b = _f32(m.bias) if m.bias is not None else np.zeros(w.shape[0], dtype="<f4")
        self.emit(node, "dense", [inp], data={"weight": w, "bias": b})

    def conv(self, node, inp, m: nn.Conv2d):
        self.expect_rank(node, inp, (4,), "nn.Conv2d")
        if m.groups != 1:
            raise ValueError(f"node '{node.name}' (nn.Conv2d): groups={m.groups} is not supported "
                             f"(only groups=1)")
        if tuple(m.dilation) != (1, 1):
            raise ValueError(f"node '{node.name}' (nn.Conv2d): dilation={tuple(m.dilation)} is not "
                             f"supported (only 1)")
        if m.padding_mode != "zeros":
            raise ValueError(f"node '{node.name}' (nn.Conv2d): padding_mode='{m.padding_mode}' is not "
                             f"supported (only 'zeros')")
        kh, kw = m.kernel_size
        if isinstance(m.padding, str):
            if m.padding == "valid":
                pad = (0, 0)
            elif m.padding == "same" and kh % 2 == 1 and kw % 2 == 1:
                pad = ((kh - 1) // 2, (kw - 1) // 2)
            else:
                raise ValueError(f"node '{node.name}' (nn.Conv2d): padding='{m.padding}' with kernel "
                                 f"{(kh, kw)} is not a symmetric zero padding")
        else:
            pad = _pair(tuple(m.padding), "padding", node.name)
        w = _f32(m.weight)
        b = _f32(m.bias) if m.bias is not None else np.zeros(w.shape[0], dtype="<f4")
        self.emit(node, "conv2d", [inp], {"stride": _i64(m.stride), "padding": _i64(pad)},
                  {"weight": w, "bias": b})

    def batchnorm(self, node, inp, m):
        if isinstance(m, nn.BatchNorm2d):
            self.expect_rank(node, inp, (4,), "nn.BatchNorm2d")
        else:
            self.expect_rank(node, inp, (2,), "nn.BatchNorm1d")
        if m.running_mean is None or m.running_var is None:
            raise ValueError(f"node '{node.name}': batch norm without running statistics "
                             f"(track_running_stats=False) is not supported")
        c = m.num_features
        gamma = _f32(m.weight) if m.affine else np.ones(c, dtype="<f4")
        beta = _f32(m.bias) if m.affine else np.zeros(c, dtype="<f4")
        self.emit(node, "batchnorm", [inp], {"eps": float(m.eps)},
                  {"gamma": gamma, "beta": beta,
                   "running_mean": _f32(m.running_mean), "running_var": _f32(m.running_var)})

    def layernorm(self, node, inp, m: nn.LayerNorm):
        s = self.shape(inp)
        if tuple(m.normalized_shape) != (s[-1],):
            raise ValueError(f"node '{node.name}' (nn.LayerNorm): normalized_shape="
                             f"{tuple(m.normalized_shape)} must be the last dimension only "
                             f"({s[-1]},) of the input {list(s)}")
        d = s[-1]
        w = _f32(m.weight) if m.elementwise_affine else np.ones(d, dtype="<f4")
        b = _f32(m.bias) if m.elementwise_affine else np.zeros(d, dtype="<f4")
        self.emit(node, "layernorm", [inp], {"eps": float(m.eps)}, {"weight": w, "bias": b})

    def gelu(self, node, inp, approximate):
        if approximate not in ("none", "tanh"):
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): GELU approximate="
                             f"{approximate!r} must be 'none' or 'tanh'")
        self.emit(node, "gelu", [inp], {"approximate": str(approximate)})

    def softmax(self, node, inp, dim, dtype=None):
        s = self.shape(inp)
        if not isinstance(dim, int) or dim % len(s) != len(s) - 1:
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): softmax is only "
                             f"supported over the last dimension (dim=-1), got dim={dim!r} on "
                             f"shape {list(s)}")
        if dtype is not None:
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): softmax with a dtype "
                             f"is not supported")
        self.emit(node, "softmax", [inp])

    def embedding(self, node, inp, m: nn.Embedding):
        s = self.shape(inp)
        if len(s) != 2:
            raise ValueError(f"node '{node.name}' (nn.Embedding): expects token ids [N, T], got "
                             f"shape {list(s)}")
        if m.max_norm is not None:
            raise ValueError(f"node '{node.name}' (nn.Embedding): max_norm is not supported (it "
                             f"rescales the weights while running)")
        self.emit(node, "embedding", [inp], data={"weight": _f32(m.weight)})

    def token_mean(self, node, inp, dim, keepdim, dtype=None):
        s = self.shape(inp)
        dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
        if len(s) != 3 or len(dims) != 1 or not isinstance(dims[0], int) or dims[0] % 3 != 1 \
                or keepdim or dtype is not None:
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): mean is only "
                             f"supported over the tokens of a [N, T, D] tensor (x.mean(1), "
                             f"keepdim=False), got dim={dim!r}, keepdim={keepdim} on shape "
                             f"{list(s)}")
        self.emit(node, "token_mean", [inp])

    def select_token(self, node, inp, index):
        s = self.shape(inp)
        idx = index if isinstance(index, tuple) else (index,)
        full = slice(None, None, None)
        ok = (len(s) == 3 and 2 <= len(idx) <= 3 and idx[0] == full and isinstance(idx[1], int)
              and not isinstance(idx[1], bool) and all(i == full for i in idx[2:])
              and -s[1] <= idx[1] < s[1])
        if not ok:
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): indexing is only "
                             f"supported as x[:, i] (one token of a [N, T, D] tensor), got "
                             f"index {index!r} on shape {list(s)}")
        self.emit(node, "select_token", [inp], {"index": np.int64(idx[1])})

    def flatten_tokens(self, node, inp):
        """x.flatten(2) on [N, C, H, W]: kept pending when every user transposes it to
        [N, H*W, C] (to_tokens); otherwise it is the token sequence [N, C, H*W]."""
        s = self.expect_rank(node, inp, (4,), "flatten(2)")
        if node.users and all(_is_token_transpose(u) for u in node.users):
            self.flat2[node] = inp
        else:
            self.emit(node, "reshape", [inp], {"shape": _i64((s[1], s[2] * s[3]))})

    def transpose(self, node, src, dim0, dim1):
        if src not in self.flat2 or not _is_token_transpose(node):
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): transpose/permute is "
                             f"only supported as x.flatten(2).transpose(1, 2) (patches of a "
                             f"[N, C, H, W] tensor to tokens [N, H*W, C])")
        self.emit(node, "to_tokens", [self.flat2[src]])

    # -- constants (parameters used directly in forward) ---------------------
    def const_attr(self, node):
        obj: Any = self.gm
        for part in str(node.target).split("."):
            obj = getattr(obj, part)
        if not isinstance(obj, torch.Tensor):
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): attribute is not a "
                             f"tensor")
        self.consts[node] = (obj.detach().cpu().to(torch.float32), False)

    def const_of(self, node, arg, what) -> Tuple[torch.Tensor, bool]:
        if not isinstance(arg, torch.fx.Node) or arg not in self.consts:
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): {what} must be a "
                             f"parameter or buffer of the model, got {arg!r}")
        return self.consts[arg]

    def expand_const(self, node, src, sizes):
        """cls.expand(N, -1, -1): a [1, ...] parameter repeated over the batch only."""
        val, batched = self.const_of(node, src, "the expanded tensor")
        out = self.shape(node)
        if batched or val.dim() != len(out) or val.shape[0] != 1 or tuple(val.shape[1:]) != out[1:] \
                or out[0] != self.batch:
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): expand is only "
                             f"supported over the batch dimension of a [1, ...] parameter "
                             f"(cls.expand(x.shape[0], -1, -1)); it maps {list(val.shape)} -> "
                             f"{list(out)}")
        self.consts[node] = (val[0], True)

    def const_getitem(self, node, src, index):
        val, batched = self.consts[src]
        found = []
        torch.fx.node.map_arg(index, lambda a: found.append(a))
        if batched or found:
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): unsupported indexing "
                             f"of a parameter")
        self.consts[node] = (val[index], False)

    def cat(self, node, tensors, dim):
        """torch.cat([cls.expand(N, -1, -1), x], 1): class token(s) in front of a sequence."""
        if not isinstance(tensors, (list, tuple)) or len(tensors) < 2:
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): torch.cat needs a "
                             f"list of tensors")
        *front, last = tensors
        s = self.shape(node)
        ok = (len(s) == 3 and isinstance(dim, int) and dim % 3 == 1
              and isinstance(last, torch.fx.Node) and last in self.alias
              and all(isinstance(t, torch.fx.Node) and t in self.consts and self.consts[t][1]
                      for t in front))
        if not ok:
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): torch.cat is only "
                             f"supported as torch.cat([cls.expand(N, -1, -1), x], dim=1): "
                             f"parameters expanded over the batch in front of a computed token "
                             f"sequence [N, T, D]")
        # One prepend_token per constant token, the last one first, so that the order of
        # the tokens in front is kept.
        tokens = [row for t in front for row in self.consts[t][0]]
        cur: Any = last
        for i, tok in enumerate(reversed(tokens)):
            final = i == len(tokens) - 1
            lname = self.emit(node, "prepend_token", [cur], data={"token": _f32(tok)},
                              name=None if final else f"{node.name}_tok{len(tokens) - 1 - i}")
            cur = lname

    def add_constant(self, node, x, c):
        """x + parameter (positional embedding) or x + number."""
        s = self.shape(x)
        if isinstance(c, (int, float)) and not isinstance(c, bool):
            value = np.full(s[1:], float(c), dtype=np.float32)
        else:
            val, batched = self.const_of(node, c, "the constant operand")
            v = val.numpy()
            if batched:
                v = v[None]
            try:
                full = np.broadcast_to(v, (1,) + tuple(s[1:])) if v.ndim <= len(s) else None
            except ValueError:
                full = None
            if full is None or tuple(self.shape(node)) != tuple(s):
                raise ValueError(f"node '{node.name}' ({_describe_node(node)}): a constant of "
                                 f"shape {list(val.shape)} cannot be added to a tensor of shape "
                                 f"{list(s)} without changing its shape")
            value = full[0]
        self.emit(node, "add_constant", [x], data={"value": np.ascontiguousarray(value, "<f4")})

    # -- split modules ---------------------------------------------------------
    def mha(self, node, m: nn.MultiheadAttention):
        v = _bind(_sig_mha, node, node.args, node.kwargs)
        where = f"node '{node.name}' (nn.MultiheadAttention)"
        if not m.batch_first:
            raise ValueError(f"{where}: batch_first=False is not supported (the format stores "
                             f"[T, D] per sample; use batch_first=True)")
        if not m._qkv_same_embed_dim:
            raise ValueError(f"{where}: kdim/vdim different from embed_dim are not supported")
        if m.bias_k is not None or m.add_zero_attn:
            raise ValueError(f"{where}: add_bias_kv / add_zero_attn are not supported")
        if v["key_padding_mask"] is not None:
            raise ValueError(f"{where}: key_padding_mask is not supported")
        self.no_nodes(node, v, ["query", "key", "value", "attn_mask"])
        q, k, val = (self.tensor_input(node, v[n], n) for n in ("query", "key", "value"))
        sq, sk, sv = self.shape(q), self.shape(k), self.shape(val)
        if len(sq) != 3 or sq != sk or sq != sv:
            raise ValueError(f"{where}: query, key and value must be [N, T, D] tensors of the "
                             f"same shape, got {list(sq)}, {list(sk)}, {list(sv)}")
        causal = 0
        if v["attn_mask"] is not None:
            mask, batched = self.const_of(node, v["attn_mask"], "attn_mask")
            causal = _causal_mask(mask, sq[1])
            if batched or causal is None:
                raise ValueError(f"{where}: attn_mask is only supported as the constant causal "
                                 f"mask of {sq[1]} tokens (True or -inf above the diagonal), e.g. "
                                 f"nn.Transformer.generate_square_subsequent_mask({sq[1]}) "
                                 f"registered as a buffer")
        e = m.embed_dim
        w = _f32(m.in_proj_weight)
        b = _f32(m.in_proj_bias) if m.in_proj_bias is not None else np.zeros(3 * e, dtype="<f4")
        names = []
        for j, (part, src) in enumerate((("q", q), ("k", k), ("v", val))):
            names.append(self.emit(node, "dense", [src], data={
                "weight": np.ascontiguousarray(w[j * e:(j + 1) * e]),
                "bias": np.ascontiguousarray(b[j * e:(j + 1) * e])}, name=f"{node.name}_{part}"))
        att = self.emit(node, "attention", names, {"heads": np.int64(m.num_heads),
                                                   "causal": np.int64(causal)},
                        name=f"{node.name}_attn")
        ow = _f32(m.out_proj.weight)
        ob = _f32(m.out_proj.bias) if m.out_proj.bias is not None \
            else np.zeros(ow.shape[0], dtype="<f4")
        self.tuples[node] = self.emit(node, "dense", [att], data={"weight": ow, "bias": ob},
                                      name=f"{node.name}_out")

    def lstm(self, node, m: nn.LSTM):
        v = _bind(_sig_lstm, node, node.args, node.kwargs)
        where = f"node '{node.name}' (nn.LSTM)"
        if not m.batch_first:
            raise ValueError(f"{where}: batch_first=False is not supported (use batch_first=True)")
        if m.bidirectional:
            raise ValueError(f"{where}: bidirectional LSTMs are not supported by the format")
        if getattr(m, "proj_size", 0):
            raise ValueError(f"{where}: proj_size={m.proj_size} (LSTM with projections) is not "
                             f"supported by the format")
        if v["hx"] is not None:
            raise ValueError(f"{where}: an initial state (h0, c0) is not supported; the format "
                             f"starts from zeros")
        inp = self.tensor_input(node, v["input"])
        s = self.shape(inp)
        if len(s) != 3:
            raise ValueError(f"{where}: expects a [N, T, F] input, got shape {list(s)}")
        cur: Any = inp
        for layer in range(m.num_layers):
            w_ih = _f32(getattr(m, f"weight_ih_l{layer}"))
            w_hh = _f32(getattr(m, f"weight_hh_l{layer}"))
            zeros = np.zeros(w_ih.shape[0], dtype="<f4")
            b_ih = _f32(getattr(m, f"bias_ih_l{layer}")) if m.bias else zeros
            b_hh = _f32(getattr(m, f"bias_hh_l{layer}")) if m.bias else zeros
            ih = self.emit(node, "dense", [cur], data={"weight": w_ih, "bias": b_ih},
                           name=f"{node.name}_ih_l{layer}")
            cur = self.emit(node, "lstm", [ih], data={"weight": w_hh, "bias": b_hh},
                            name=f"{node.name}_l{layer}")
        self.tuples[node] = cur

    def tuple_item(self, node):
        src, idx = node.args[0], node.args[1] if len(node.args) > 1 else None
        m = self.gm.get_submodule(src.target)
        if idx != 0:
            what = ("the attention weights" if isinstance(m, nn.MultiheadAttention)
                    else "the final state (h_n, c_n); use out[:, -1] for the last output")
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): only element [0] of "
                             f"the result of '{src.name}' ({type(m).__name__}) is supported, "
                             f"not {what}")
        self.alias[node] = self.tuples[src]

    # -- dispatch ----------------------------------------------------------
    def run(self) -> List[Layer]:
        placeholders = [n for n in self.gm.graph.nodes if n.op == "placeholder"]
        if len(placeholders) != 1:
            raise ValueError(f"the model's forward() must take exactly one tensor argument, "
                             f"got {len(placeholders)} ({[p.name for p in placeholders]})")
        self.alias[placeholders[0]] = INPUT_NAME
        out_node = None
        for node in self.gm.graph.nodes:
            if node.op == "placeholder":
                continue
            if node.op == "output":
                out_node = node
                continue
            if node.op == "get_attr":
                self.const_attr(node)
                continue
            if node.op == "call_module" and isinstance(self.gm.get_submodule(node.target),
                                                       (nn.MultiheadAttention, nn.LSTM)):
                m = self.gm.get_submodule(node.target)
                self.mha(node, m) if isinstance(m, nn.MultiheadAttention) else self.lstm(node, m)
                continue
            if node.op == "call_function" and node.target is operator.getitem and node.args \
                    and isinstance(node.args[0], torch.fx.Node):
                if node.args[0] in self.tuples:
                    self.tuple_item(node)
                    continue
                if node.args[0] in self.consts:
                    self.const_getitem(node, node.args[0], node.args[1])
                    continue
            if self.shapes.get(node) is None:
                self.helper(node)
                continue
            if node.op == "call_module":
                self.module(node)
            elif node.op == "call_function":
                self.function(node)
            elif node.op == "call_method":
                self.method(node)
            else:
                raise ValueError(f"node '{node.name}': unsupported graph op '{node.op}'")

        assert out_node is not None
        res = out_node.args[0]
        if not isinstance(res, torch.fx.Node) or res not in self.alias:
            raise ValueError(f"forward() must return a single tensor (the logits), got {res!r}")
        if not self.layers:
            raise ValueError("the model has no layers")
        if self.alias[res] != self.layers[-1].name:
            raise ValueError(f"the model output '{self.alias[res]}' is not the last layer "
                             f"'{self.layers[-1].name}'")
        return self.layers

    def helper(self, node):
        ok = ((node.op == "call_method" and node.target in ("size", "dim"))
              or (node.op == "call_function" and node.target is getattr
                  and len(node.args) >= 2 and node.args[1] == "shape")
              or (node.op == "call_function" and node.target is operator.getitem
                  and isinstance(node.args[0], torch.fx.Node) and node.args[0] in self.helpers))
        if not ok:
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): unsupported operation "
                             f"(it does not produce a tensor and is not a shape query used by "
                             f"view/reshape/expand)")
        self.helpers.add(node)

    def module(self, node):
        m = self.gm.get_submodule(node.target)
        desc = f"nn.{type(m).__name__}" if type(m).__module__.startswith("torch.nn") \
            else f"{type(m).__module__}.{type(m).__name__}"
        if len(node.args) != 1 or node.kwargs:
            raise ValueError(f"node '{node.name}' ({desc}): expected exactly one input")
        inp = self.tensor_input(node, node.args[0])
        if isinstance(m, _SKIP_MODULES):
            self.alias[node] = self.alias[inp]
        elif isinstance(m, nn.Linear):
            self.dense(node, inp, m)
        elif isinstance(m, nn.Conv2d):
            self.conv(node, inp, m)
        elif isinstance(m, nn.ReLU):
            self.relu(node, inp)
        elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            self.batchnorm(node, inp, m)
        elif isinstance(m, nn.Flatten):
            if m.start_dim % 4 == 2 and m.end_dim == -1 and len(self.shape(inp)) == 4:
                self.flatten_tokens(node, inp)
            else:
                self.flatten(node, inp, m.start_dim, m.end_dim)
        elif isinstance(m, nn.MaxPool2d):
            self.maxpool(node, inp, m.kernel_size, m.stride, m.padding, m.dilation,
                         m.ceil_mode, m.return_indices)
        elif isinstance(m, nn.AvgPool2d):
            self.avgpool(node, inp, m.kernel_size, m.stride, m.padding, m.ceil_mode,
                         m.count_include_pad, m.divisor_override)
        elif isinstance(m, nn.AdaptiveAvgPool2d):
            self.adaptive_avgpool(node, inp, m.output_size)
        elif isinstance(m, nn.LayerNorm):
            self.layernorm(node, inp, m)
        elif isinstance(m, nn.GELU):
            self.gelu(node, inp, getattr(m, "approximate", "none"))
        elif isinstance(m, nn.Sigmoid):
            self.emit(node, "sigmoid", [inp])
        elif isinstance(m, nn.Tanh):
            self.emit(node, "tanh", [inp])
        elif isinstance(m, nn.Softmax):
            self.softmax(node, inp, m.dim)
        elif isinstance(m, nn.Embedding):
            self.embedding(node, inp, m)
        else:
            raise ValueError(f"node '{node.name}' (op=call_module, target={node.target}, "
                             f"type {desc}): unsupported module")

    def function(self, node):
        t, a, kw = node.target, node.args, node.kwargs
        if t in _RELU_FUNCS:
            v = _bind(_RELU_FUNCS[t], node, a, kw)
            self.no_nodes(node, v, ["input"])
            self.relu(node, self.tensor_input(node, v["input"]))
        elif t is F.gelu:
            v = _bind(_sig_gelu, node, a, kw)
            self.no_nodes(node, v, ["input"])
            self.gelu(node, self.tensor_input(node, v["input"]), v["approximate"])
        elif t in _SIGMOID_FUNCS or t in _TANH_FUNCS:
            v = _bind(_sig_unary, node, a, kw)
            self.emit(node, "sigmoid" if t in _SIGMOID_FUNCS else "tanh",
                      [self.tensor_input(node, v["input"])])
        elif t in _SOFTMAX_FUNCS:
            v = _bind(_sig_softmax, node, a, kw)
            self.no_nodes(node, v, ["input"])
            self.softmax(node, self.tensor_input(node, v["input"]), v["dim"], v["dtype"])
        elif t is torch.mean:
            v = _bind(_sig_mean, node, a, kw)
            self.no_nodes(node, v, ["input"])
            self.token_mean(node, self.tensor_input(node, v["input"]), v["dim"], v["keepdim"],
                            v["dtype"])
        elif t is torch.cat:
            v = _bind(_sig_cat, node, a, kw)
            self.cat(node, v["tensors"], v["dim"])
        elif t is torch.transpose:
            v = _bind(_sig_transpose, node, a, kw)
            self.transpose(node, v["input"], v["dim0"], v["dim1"])
        elif t is operator.getitem:
            self.select_token(node, self.tensor_input(node, a[0]), a[1])
        elif t is F.max_pool2d:
            v = _bind(_sig_max_pool2d, node, a, kw)
            self.no_nodes(node, v, ["input"])
            self.maxpool(node, self.tensor_input(node, v["input"]), v["kernel_size"], v["stride"],
                         v["padding"], v["dilation"], v["ceil_mode"], v["return_indices"])
        elif t is F.avg_pool2d:
            v = _bind(_sig_avg_pool2d, node, a, kw)
            self.no_nodes(node, v, ["input"])
            self.avgpool(node, self.tensor_input(node, v["input"]), v["kernel_size"], v["stride"],
                         v["padding"], v["ceil_mode"], v["count_include_pad"], v["divisor_override"])
        elif t is F.adaptive_avg_pool2d:
            v = _bind(_sig_adaptive_avg_pool2d, node, a, kw)
            self.no_nodes(node, v, ["input"])
            self.adaptive_avgpool(node, self.tensor_input(node, v["input"]), v["output_size"])
        elif t is torch.flatten:
            v = _bind(_sig_flatten, node, a, kw)
            self.no_nodes(node, v, ["input"])
            self.flatten_any(node, self.tensor_input(node, v["input"]), v["start_dim"], v["end_dim"])
        elif t is operator.add:
            v = _bind(_sig_binary, node, a, kw)
            self.add(node, v["a"], v["b"])
        elif t is torch.add:
            v = _bind(_sig_add, node, a, kw)
            self.add(node, v["input"], v["other"], v["alpha"])
        elif t is F.dropout:
            v = _bind(_sig_dropout, node, a, kw)
            self.no_nodes(node, v, ["input"])
            if v["training"] and v["p"] != 0:
                raise ValueError(f"node '{node.name}': F.dropout is active (training=True); pass "
                                 f"training=self.training or use nn.Dropout")
            self.alias[node] = self.alias[self.tensor_input(node, v["input"])]
        else:
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): unsupported function")

    def flatten_any(self, node, inp, start_dim, end_dim):
        if isinstance(start_dim, int) and start_dim % 4 == 2 and end_dim == -1 \
                and len(self.shape(inp)) == 4:
            self.flatten_tokens(node, inp)
        else:
            self.flatten(node, inp, start_dim, end_dim)

    def method(self, node):
        t, a, kw = node.target, node.args, node.kwargs
        if t in ("relu", "relu_"):
            v = _bind(_sig_unary, node, a, kw)
            self.relu(node, self.tensor_input(node, v["input"]))
        elif t in ("sigmoid", "tanh"):
            v = _bind(_sig_unary, node, a, kw)
            self.emit(node, t, [self.tensor_input(node, v["input"])])
        elif t == "softmax":
            v = _bind(_sig_softmax, node, a, kw)
            self.no_nodes(node, v, ["input"])
            self.softmax(node, self.tensor_input(node, v["input"]), v["dim"], v["dtype"])
        elif t == "mean":
            v = _bind(_sig_mean, node, a, kw)
            self.no_nodes(node, v, ["input"])
            self.token_mean(node, self.tensor_input(node, v["input"]), v["dim"], v["keepdim"],
                            v["dtype"])
        elif t == "expand":
            if not a:
                raise ValueError(f"node '{node.name}': malformed expand()")
            self.expand_const(node, a[0], a[1:])
        elif t in ("transpose", "permute"):
            self.transpose(node, a[0] if a else None, None, None)
        elif t in ("view", "reshape"):
            if not a:
                raise ValueError(f"node '{node.name}': malformed {t}()")
            self.view_flatten(node, self.tensor_input(node, a[0]))
        elif t == "squeeze":
            v = _bind(_sig_squeeze, node, a, kw)
            inp = self.tensor_input(node, v["input"])
            s = self.shape(inp)
            if not isinstance(v["dim"], int) or v["dim"] % len(s) == 0 or s[v["dim"]] != 1:
                raise ValueError(f"node '{node.name}' ({_describe_node(node)}): squeeze is only "
                                 f"supported for one non-batch dimension of size 1 (e.g. "
                                 f"x.squeeze(1)), got dim={v['dim']!r} on shape {list(s)}")
            self.view_flatten(node, inp)
        elif t == "flatten":
            v = _bind(_sig_flatten, node, a, kw)
            self.no_nodes(node, v, ["input"])
            self.flatten_any(node, self.tensor_input(node, v["input"]), v["start_dim"], v["end_dim"])
        elif t in ("add", "add_"):
            v = _bind(_sig_add, node, a, kw)
            self.add(node, v["input"], v["other"], v["alpha"])
        elif t in _INT_CAST_METHODS:
            inp = self.tensor_input(node, a[0] if a else None)
            if len(a) != 1 or kw or not node.users or not all(
                    u.op == "call_module" and isinstance(self.gm.get_submodule(u.target),
                                                         nn.Embedding) for u in node.users):
                raise ValueError(f"node '{node.name}' ({_describe_node(node)}): a cast to "
                                 f"integers is only supported as the token ids of an nn.Embedding "
                                 f"(self.emb(x.long()))")
            self.alias[node] = self.alias[inp]
        elif t == "contiguous":
            self.alias[node] = self.alias[self.tensor_input(node, a[0] if a else None)]
        else:
            raise ValueError(f"node '{node.name}' (op=call_method, target={t}): unsupported method")


def _is_inplace(gm: torch.fx.GraphModule, node: torch.fx.Node) -> bool:
    if node.op == "call_module":
        return bool(getattr(gm.get_submodule(node.target), "inplace", False)) and \
            not isinstance(gm.get_submodule(node.target), _SKIP_MODULES)
    if node.op == "call_function":
        return bool(node.kwargs.get("inplace", False)) or \
            getattr(node.target, "__name__", "").endswith("_")
    if node.op == "call_method":
        return str(node.target).endswith("_")
    return False


def _check_inplace(gm: torch.fx.GraphModule, before_dce: bool) -> None:
    """In-place ops are fine as long as the mutated tensor is not read again
    (e.g. ``x = self.relu(x)`` with ``nn.ReLU(inplace=True)``); the graph view
    used by the exporter would otherwise see the un-mutated value."""
    order = {n: i for i, n in enumerate(gm.graph.nodes)}
    for node in gm.graph.nodes:
        if not _is_inplace(gm, node):
            continue
        if before_dce and not node.users:
            raise ValueError(f"node '{node.name}' ({_describe_node(node)}): the result of an in-place "
                             f"operation is discarded; write x = op(x) instead")
        src = node.args[0] if node.args else None
        if isinstance(src, torch.fx.Node):
            later = [u.name for u in src.users if u is not node and order[u] > order[node]]
            if later:
                raise ValueError(f"node '{node.name}' ({_describe_node(node)}): in-place operation "
                                 f"modifies '{src.name}', which is read again later by {later}; "
                                 f"use the out-of-place form")


def convert(model: nn.Module, input_shape: Sequence[int], num_classes: int,
            batch: int = 3) -> List[Layer]:
    """Trace ``model`` (switched to eval mode) and return its layer list."""
    model.eval()
    try:
        gm = torch.fx.GraphModule(model, _Tracer().trace(model))
    except Exception as e:
        raise ValueError(f"torch.fx.symbolic_trace failed ({type(e).__name__}: {e}); the model's "
                         f"forward() must be traceable (no data-dependent control flow)") from e
    _check_inplace(gm, before_dce=True)
    gm.graph.eliminate_dead_code()
    gm.recompile()
    _check_inplace(gm, before_dce=False)
    gm.eval()
    sample, _ = _sample_inputs(model, input_shape, batch, seed=0)
    rec = _ShapeRecorder(gm)
    with torch.no_grad():
        out = rec.run(sample)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (batch, num_classes):
        got = list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(f"the model output must be logits of shape [N, num_classes={num_classes}], "
                         f"got {got}")
    return _Converter(gm, rec.shapes, batch).run()


def _sample_inputs(model: nn.Module, input_shape: Sequence[int], n: int,
                   seed: int) -> Tuple[torch.Tensor, np.ndarray]:
    """Random inputs for tracing and for the export check: (tensor for the model on its
    device, float64 numpy array for run_reference). A model with an nn.Embedding takes
    token ids, so it gets random valid ids (integers in [0, V)) instead of normal noise;
    they are handed to the model as floats (it casts them, self.emb(x.long())), or as
    int64 if the model's first operation is the embedding itself."""
    gen = torch.Generator().manual_seed(seed)
    embs = [m for m in model.modules() if isinstance(m, nn.Embedding)]
    try:
        p = next(model.parameters())
        device, dtype = p.device, p.dtype
    except StopIteration:
        device, dtype = torch.device("cpu"), torch.float32
    if embs:
        v = min(m.num_embeddings for m in embs)
        ids = torch.randint(0, v, (n, *input_shape), generator=gen)
        ref = ids.double().numpy()
        try:
            g = _Tracer().trace(model)
            direct = any(u.op == "call_module" and isinstance(model.get_submodule(u.target),
                                                             nn.Embedding)
                         for ph in g.nodes if ph.op == "placeholder" for u in ph.users)
        except Exception:     # untraceable: convert() reports it with the tracer's message
            direct = False
        return (ids.to(device) if direct else ids.to(device=device, dtype=dtype)), ref
    x = torch.randn((n, *input_shape), generator=gen)
    return x.to(device=device, dtype=dtype), x.double().numpy()



def export(model: nn.Module, path: str, *, name: str, input_shape: Sequence[int],
           input_mean: float, input_std: float, num_classes: int,
           extra_attrs: Optional[Dict[str, Any]] = None, verify: bool = True) -> List[Layer]:
    """Export ``model`` to ``path`` in the xbarsim HDF5 model format (version 1, or 2 when it uses
    a version-2 layer or token sequences).

    ``input_shape`` is the per-sample shape ([C, H, W] for images);
    ``input_mean``/``input_std`` document the input normalisation the model
    expects: x = (pixel / 255 - input_mean) / input_std.  ``extra_attrs``
    (str / float / int values) are added as root attributes.  With ``verify``
    the written file is evaluated by ``run_reference`` and compared with
    PyTorch before being moved into place.  Returns the layer list.
    """
    input_shape = [int(d) for d in input_shape]
    if not input_shape or any(d <= 0 for d in input_shape):
        raise ValueError(f"input_shape must be a non-empty list of positive ints, got {input_shape}")
    if int(num_classes) <= 0:
        raise ValueError(f"num_classes must be positive, got {num_classes}")
    if not (float(input_std) > 0):
        raise ValueError(f"input_std must be > 0, got {input_std}")
    layers = convert(model, input_shape, int(num_classes))

    path = os.fspath(path)
    with atomic_output(path) as tmp:
        write_h5(tmp, layers, name=name, input_shape=input_shape, input_mean=float(input_mean),
                 input_std=float(input_std), num_classes=int(num_classes), extra_attrs=extra_attrs)
        if verify:
            _verify(model, tmp, input_shape)
    return layers


# Root attributes that write_h5 sets from its arguments; the others are passed through.
_ROOT_ATTRS = ("format", "format_version", "name", "input_shape", "num_classes", "input_mean",
               "input_std")


def rewrite(path: str) -> None:
    """Rewrite the model file ``path`` in place in the current container format (LIBVER,
    fixed-length strings), keeping every attribute and weight bit for bit; an older file
    (variable-length strings, the earliest format) becomes checksummed. The result is read
    back and compared with the original before it replaces it."""
    path = os.fspath(path)
    meta, layers = read_model(path)
    extra = {k: v for k, v in meta.items() if k not in _ROOT_ATTRS}
    with atomic_output(path) as tmp:
        write_h5(tmp, layers, name=meta["name"], input_shape=meta["input_shape"],
                 input_mean=float(meta["input_mean"]), input_std=float(meta["input_std"]),
                 num_classes=meta["num_classes"], extra_attrs=extra)
        meta2, layers2 = read_model(tmp)
        same = meta2.keys() == meta.keys() and all(
            np.array_equal(np.asarray(meta[k]), np.asarray(meta2[k])) for k in meta)
        same = same and len(layers) == len(layers2) and all(
            (a.type, a.name, a.inputs) == (b.type, b.name, b.inputs)
            and a.attrs.keys() == b.attrs.keys() and a.data.keys() == b.data.keys()
            and all(np.array_equal(a.attrs[k], b.attrs[k]) for k in a.attrs)
            and all(a.data[k].dtype == b.data[k].dtype
                    and a.data[k].tobytes() == b.data[k].tobytes() for k in a.data)
            for a, b in zip(layers, layers2))
        if not same:
            raise RuntimeError(f"{path}: the rewritten file does not hold the same model "
                               f"(kept the original)")


def _verify(model: nn.Module, path: str, input_shape: Sequence[int], n: int = 4) -> None:
    xd, x = _sample_inputs(model, input_shape, n, seed=1234)
    with torch.no_grad():
        ref = model(xd).detach().cpu().double().numpy()
    got = run_reference(path, x)
    err = float(np.max(np.abs(got - ref)))
    tol = 1e-4 * max(1.0, float(np.max(np.abs(ref))))
    if not np.isfinite(err) or err > tol:
        raise RuntimeError(f"exported file does not reproduce the PyTorch model: max |diff| = "
                           f"{err:.3g} > {tol:.3g} (export bug or unsupported semantics)")



# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

_EPILOG = f"""\
The builder is given as MODULE:FUNCTION.  MODULE is imported from the current
directory (or anything on PYTHONPATH) and may also be a path to a .py file;
FUNCTION is called with the JSON object given by --builder-kwargs as keyword
arguments and must return a torch.nn.Module.  The state dict (saved with
torch.save(model.state_dict(), PATH)) is then loaded with strict=True, the
model is switched to eval mode, traced with torch.fx and written.

example (with a file mynet.py defining build(num_classes=10) -> nn.Module):
  /usr/bin/python3 data/models/export.py --builder mynet.py:build \\
      --builder-kwargs '{{"num_classes": 10}}' --state-dict mynet.pt \\
      --name mynet --input-shape 1,28,28 --input-mean 0.2860 \\
      --input-std 0.3530 --num-classes 10 --out mynet.h5

  /usr/bin/python3 data/models/export.py --dump data/models/fmnist_cnn.h5

supported layers:
{SUPPORTED}

file format: docs/model_format.md
"""


def _load_builder(spec: str) -> Callable[..., nn.Module]:
    if ":" not in spec:
        raise SystemExit(f"--builder must be MODULE:FUNCTION, got {spec!r}")
    mod_name, fn_name = spec.rsplit(":", 1)
    if mod_name.endswith(".py") or os.sep in mod_name:
        spec_ = importlib.util.spec_from_file_location(
            os.path.splitext(os.path.basename(mod_name))[0], mod_name)
        if spec_ is None or spec_.loader is None:
            raise SystemExit(f"cannot load {mod_name}")
        mod = importlib.util.module_from_spec(spec_)
        sys.modules[spec_.name] = mod
        spec_.loader.exec_module(mod)
    else:
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        mod = importlib.import_module(mod_name)
    fn = getattr(mod, fn_name, None)
    if not callable(fn):
        raise SystemExit(f"{mod_name} has no callable {fn_name!r}")
    return fn


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        description="Export a trained PyTorch classifier to the xbarsim HDF5 model format "
                    "(version 1 or 2), or dump an existing model file.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--builder", metavar="MODULE:FUNCTION",
                    help="function that builds the (untrained) nn.Module")
    ap.add_argument("--builder-kwargs", metavar="JSON", default="{}",
                    help="keyword arguments for the builder, as a JSON object (default: {})")
    ap.add_argument("--state-dict", metavar="PATH",
                    help="file written by torch.save(model.state_dict(), PATH)")
    ap.add_argument("--out", metavar="FILE.h5", help="output file")
    ap.add_argument("--name", help="model name stored in the file (default: output file stem)")
    ap.add_argument("--input-shape", metavar="C,H,W", help="per-sample input shape, e.g. 1,28,28")
    ap.add_argument("--input-mean", type=float, default=0.0,
                    help="normalisation mean: x = (pixel/255 - mean)/std (default 0)")
    ap.add_argument("--input-std", type=float, default=1.0, help="normalisation std (default 1)")
    ap.add_argument("--num-classes", type=int, help="number of output logits")
    ap.add_argument("--no-verify", action="store_true",
                    help="skip the numpy re-evaluation check of the written file")
    ap.add_argument("--dump", metavar="FILE.h5", help="print the contents of a model file and exit")
    ap.add_argument("--rewrite", metavar="FILE.h5", nargs="+",
                    help="rewrite model files in place in the checksummed HDF5 1.10 format with "
                         "fixed-length strings, keeping every value, and exit")
    args = ap.parse_args(argv)

    if args.dump:
        print(describe(args.dump))
        return 0
    if args.rewrite:
        for path in args.rewrite:
            rewrite(path)
            print(f"rewrote {path}")
        return 0
    missing = [o for o, v in (("--builder", args.builder), ("--state-dict", args.state_dict),
                              ("--out", args.out), ("--input-shape", args.input_shape),
                              ("--num-classes", args.num_classes)) if v is None]
    if missing:
        ap.error("missing required option(s): " + ", ".join(missing))
    try:
        shape = [int(s) for s in args.input_shape.replace("x", ",").split(",") if s.strip()]
    except ValueError:
        ap.error(f"--input-shape must be comma-separated ints, got {args.input_shape!r}")
    kwargs = json.loads(args.builder_kwargs)
    if not isinstance(kwargs, dict):
        ap.error("--builder-kwargs must be a JSON object")
    model = _load_builder(args.builder)(**kwargs)
    if not isinstance(model, nn.Module):
        raise SystemExit(f"{args.builder} returned {type(model).__name__}, not an nn.Module")
    sd = torch.load(args.state_dict, map_location="cpu")
    if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
        sd = sd["state_dict"]
    model.load_state_dict(sd, strict=True)
    name = args.name or os.path.splitext(os.path.basename(args.out))[0]
    try:
        layers = export(model, args.out, name=name, input_shape=shape, input_mean=args.input_mean,
                        input_std=args.input_std, num_classes=args.num_classes,
                        verify=not args.no_verify)
    except ValueError as e:
        print(f"export.py: error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}: {len(layers)} layers "
          f"({', '.join(l.type for l in layers)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
