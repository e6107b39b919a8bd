#!/usr/bin/python3
"""The xbarsim HDF5 model file (docs/model_format.md): in-memory layers, the writer,
the reader with its shape checks, and the pure-numpy reference interpreter.

This module needs only numpy and h5py (not torch), so that both writers of the
format - export.py (PyTorch) and onnx_import.py (ONNX) - share one writer and
one executable specification, and the ONNX importer runs without PyTorch.
export.py re-exports everything here (export.read_model, export.run_reference,
...).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import h5py
import numpy as np

FORMAT = "xbarsim.model"
FORMAT_VERSION = 2          # the newest version this module reads and writes
INPUT_NAME = "input"

LAYER_TYPES_V1 = ("dense", "conv2d", "maxpool2d", "avgpool2d", "relu",
                  "batchnorm", "flatten", "add")
# docs/model_format.md section 4b
LAYER_TYPES_V2 = ("reshape", "to_tokens", "prepend_token", "add_constant", "embedding",
                  "layernorm", "gelu", "sigmoid", "tanh", "softmax", "select_token",
                  "token_mean", "attention", "lstm")
LAYER_TYPES = LAYER_TYPES_V1 + LAYER_TYPES_V2
# Number of inputs of each layer type (all others: 1).
NUM_INPUTS = {"add": 2, "attention": 3}

# ---------------------------------------------------------------------------
# In-memory layer description
# ---------------------------------------------------------------------------

@dataclass
class Layer:
    type: str
    name: str
    inputs: List[str]
    attrs: Dict[str, Any] = field(default_factory=dict)   # int64 arrays / float
    data: Dict[str, np.ndarray] = field(default_factory=dict)  # float32



def _i64(v: Sequence[int]) -> np.ndarray:
    return np.asarray(list(v), dtype="<i8")


# ---------------------------------------------------------------------------
# HDF5 writing
# ---------------------------------------------------------------------------

# The HDF5 1.10 object format: superblock version 3 and object headers with checksums, so that a
# corrupted byte in a model file's metadata is a checksum error, not a crash or a hang inside
# libhdf5 (docs/reliability.md). Strings are fixed-length, held in those checksummed headers;
# variable-length strings would live in the global heap, which has no checksum.
LIBVER = ("v110", "v110")


def _fixed_str(values: Sequence[str]) -> Tuple[np.ndarray, Any]:
    """UTF-8 bytes of ``values`` as one fixed-length string array, and its HDF5 type."""
    encoded = [v.encode("utf-8") for v in values]
    length = max([1] + [len(e) for e in encoded])  # HDF5 has no zero-length strings
    dtype = h5py.string_dtype("utf-8", length=length)
    return np.array(encoded, dtype=dtype), dtype


def _set_str(obj: Any, key: str, value: str) -> None:
    data, dtype = _fixed_str([value])
    obj.attrs.create(key, data=data[0], dtype=dtype)


def _set_str_list(obj: Any, key: str, values: Sequence[str]) -> None:
    data, dtype = _fixed_str(values)
    obj.attrs.create(key, data=data, shape=(len(values),), dtype=dtype)


def _layer_group_names(n: int) -> List[str]:
    width = max(3, len(str(max(n - 1, 0))))
    return [f"{i:0{width}d}" for i in range(n)]


def write_h5(path: str, layers: Sequence[Layer], *, name: str, input_shape: Sequence[int],
             input_mean: float, input_std: float, num_classes: int,
             extra_attrs: Optional[Dict[str, Any]] = None, producer: Optional[str] = None) -> None:
    version = required_version(input_shape, layers)
    with h5py.File(path, "w", libver=LIBVER) as f:
        _set_str(f, "format", FORMAT)
        f.attrs.create("format_version", data=np.int64(version), dtype="<i8")
        _set_str(f, "name", name)
        f.attrs.create("input_shape", data=_i64(input_shape), dtype="<i8")
        f.attrs.create("num_classes", data=np.int64(num_classes), dtype="<i8")
        f.attrs.create("input_mean", data=np.float64(input_mean), dtype="<f8")
        f.attrs.create("input_std", data=np.float64(input_std), dtype="<f8")
        _set_str(f, "producer", producer or "xbarsim data/models/modelfile.py")
        for k, v in (extra_attrs or {}).items():
            if isinstance(v, str):
                _set_str(f, k, v)
            elif isinstance(v, float):
                f.attrs.create(k, data=np.float64(v), dtype="<f8")
            elif isinstance(v, (int, np.integer)):
                f.attrs.create(k, data=np.int64(v), dtype="<i8")
            else:
                raise TypeError(f"extra attribute {k!r}: unsupported type {type(v).__name__}")
        g = f.create_group("layers")
        for gname, layer in zip(_layer_group_names(len(layers)), layers):
            lg = g.create_group(gname)
            _set_str(lg, "type", layer.type)
            _set_str(lg, "name", layer.name)
            _set_str_list(lg, "inputs", layer.inputs)
            for k, v in layer.attrs.items():
                if isinstance(v, str):
                    _set_str(lg, k, v)
                elif isinstance(v, (float, np.floating)):
                    lg.attrs.create(k, data=np.float64(v), dtype="<f8")
                else:
                    lg.attrs.create(k, data=np.asarray(v, dtype="<i8"), dtype="<i8")
            for k, v in layer.data.items():
                lg.create_dataset(k, data=np.ascontiguousarray(v, dtype="<f4"), dtype="<f4")



@contextlib.contextmanager
def atomic_output(path: str):
    """Yield a temporary path next to ``path``; when the block succeeds, rename it over
    ``path`` (mode 0644), otherwise remove it, so ``path`` is never left half-written."""
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise

# ---------------------------------------------------------------------------
# Reading + pure-numpy reference evaluation (executable form of the spec)
# ---------------------------------------------------------------------------

def _attr_str(obj: Any, key: str) -> str:
    v = obj.attrs[key]
    if isinstance(v, bytes):
        v = v.decode("utf-8")
    if not isinstance(v, str):
        raise ValueError(f"{obj.name}: attribute '{key}' must be a string")
    return v


def read_model(path: str) -> Tuple[Dict[str, Any], List[Layer]]:
    """Read and validate an xbarsim model file; returns (root attrs, layers)."""
    with h5py.File(path, "r") as f:
        fmt = f.attrs.get("format")
        if (fmt.decode("utf-8") if isinstance(fmt, bytes) else fmt) != FORMAT:
            raise ValueError(f"{path}: not an xbarsim model file (format={fmt!r})")
        version = int(f.attrs["format_version"])
        if version not in (1, 2):
            raise ValueError(f"{path}: unsupported format_version {version} (this reader knows "
                             f"1 and {FORMAT_VERSION})")
        meta: Dict[str, Any] = {}
        for k, v in f.attrs.items():
            meta[k] = v.decode("utf-8") if isinstance(v, bytes) else v
        meta["input_shape"] = [int(d) for d in np.asarray(meta["input_shape"]).reshape(-1)]
        meta["num_classes"] = int(meta["num_classes"])
        layers: List[Layer] = []
        keys = sorted(f["layers"].keys(), key=int)
        if keys != _layer_group_names(len(keys)):
            raise ValueError(f"{path}: layer groups must be named 000, 001, ... (got {keys})")
        seen = {INPUT_NAME}
        for k in keys:
            g = f["layers"][k]
            t, nm = _attr_str(g, "type"), _attr_str(g, "name")
            inputs = [s.decode("utf-8") if isinstance(s, bytes) else str(s)
                      for s in np.asarray(g.attrs["inputs"]).reshape(-1)]
            if t not in LAYER_TYPES:
                raise ValueError(f"{path}: layer {k} has unknown type {t!r}")
            if nm in seen:
                raise ValueError(f"{path}: duplicate layer name {nm!r}")
            if len(inputs) != NUM_INPUTS.get(t, 1) or any(i not in seen for i in inputs):
                raise ValueError(f"{path}: layer {k} ({nm}, {t}) has bad inputs {inputs} (needs "
                                 f"{NUM_INPUTS.get(t, 1)}, each 'input' or an earlier layer)")
            seen.add(nm)
            attrs = {a: (_attr_str(g, a) if g.attrs[a].dtype.kind in "SOU" else g.attrs[a])
                     for a in g.attrs if a not in ("type", "name", "inputs")}
            data = {d: np.asarray(g[d][()]) for d in g}
            layers.append(Layer(t, nm, inputs, attrs, data))
    try:
        shapes = infer_shapes(meta["input_shape"], layers)
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
    if shapes[layers[-1].name] != [meta["num_classes"]]:
        raise ValueError(f"{path}: the last layer '{layers[-1].name}' gives shape "
                         f"{shapes[layers[-1].name]}, not [num_classes={meta['num_classes']}]")
    need = required_version(meta["input_shape"], layers)
    if need > version:
        raise ValueError(f"{path}: format_version is {version} but the model uses version-{need} "
                         f"layers or token sequences")
    return meta, layers


def _need(cond: bool, layer: Layer, msg: str) -> None:
    if not cond:
        raise ValueError(f"layer '{layer.name}' ({layer.type}): {msg}")


def infer_shapes(input_shape: Sequence[int], layers: Sequence[Layer]) -> Dict[str, List[int]]:
    """Per-sample output shape of every layer (and of 'input'), checking each layer's
    data, attributes and input shapes against docs/model_format.md; raises ValueError
    naming the first layer that does not fit."""
    shapes: Dict[str, List[int]] = {INPUT_NAME: [int(d) for d in input_shape]}
    for L in layers:
        ins = [shapes[i] for i in L.inputs]
        x = ins[0]
        t, a, d = L.type, L.attrs, L.data

        def data(key: str, shape: Optional[Sequence[int]] = None) -> np.ndarray:
            _need(key in d, L, f"missing dataset '{key}'")
            if shape is not None:
                _need(list(d[key].shape) == list(shape), L,
                      f"dataset '{key}' has shape {list(d[key].shape)}, expected {list(shape)}")
            return d[key]

        def attr(key: str, length: Optional[int] = None) -> Any:
            _need(key in a, L, f"missing attribute '{key}'")
            v = a[key]
            if length is not None:
                v = np.asarray(v).reshape(-1)
                _need(v.shape == (length,), L, f"attribute '{key}' must have {length} elements")
                v = [int(i) for i in v]
            return v

        if t == "dense":
            _need(len(x) in (1, 2), L, f"input must be [in] or tokens [T, in], got {x}")
            w = data("weight")
            _need(w.ndim == 2 and w.shape[1] == x[-1], L,
                  f"weight {list(w.shape)} does not take {x[-1]} inputs")
            data("bias", [w.shape[0]])
            y = x[:-1] + [int(w.shape[0])]
        elif t == "conv2d":
            _need(len(x) == 3, L, f"input must be [C, H, W], got {x}")
            w = data("weight")
            _need(w.ndim == 4 and w.shape[1] == x[0], L,
                  f"weight {list(w.shape)} does not take {x[0]} channels")
            data("bias", [w.shape[0]])
            st, pd = attr("stride", 2), attr("padding", 2)
            y = [int(w.shape[0])] + [(x[1 + i] + 2 * pd[i] - w.shape[2 + i]) // st[i] + 1
                                     for i in range(2)]
        elif t in ("maxpool2d", "avgpool2d"):
            _need(len(x) == 3, L, f"input must be [C, H, W], got {x}")
            k, st, pd = attr("kernel", 2), attr("stride", 2), attr("padding", 2)
            y = [x[0]] + [(x[1 + i] + 2 * pd[i] - k[i]) // st[i] + 1 for i in range(2)]
        elif t in ("relu", "gelu", "sigmoid", "tanh", "softmax"):
            if t == "gelu":
                _need(attr("approximate") in ("none", "tanh"), L,
                      f"approximate must be 'none' or 'tanh', got {a['approximate']!r}")
            y = x
        elif t == "batchnorm":
            _need(len(x) in (1, 3), L, f"input must be [C] or [C, H, W], got {x}")
            for key in ("gamma", "beta", "running_mean", "running_var"):
                data(key, [x[0]])
            attr("eps")
            y = x
        elif t == "flatten":
            y = [int(np.prod(x))]
        elif t == "add":
            _need(ins[1] == x, L, f"inputs have different shapes {x} and {ins[1]}")
            y = x
        elif t == "reshape":
            shp = [int(i) for i in np.asarray(attr("shape")).reshape(-1)]
            _need(1 <= len(shp) <= 3 and all(i > 0 for i in shp) and np.prod(shp) == np.prod(x),
                  L, f"shape {shp} does not hold the {int(np.prod(x))} input values {x}")
            y = shp
        elif t == "to_tokens":
            _need(len(x) == 3, L, f"input must be [C, H, W], got {x}")
            y = [x[1] * x[2], x[0]]
        elif t == "prepend_token":
            _need(len(x) == 2, L, f"input must be tokens [T, D], got {x}")
            data("token", [x[1]])
            y = [x[0] + 1, x[1]]
        elif t == "add_constant":
            data("value", x)
            y = x
        elif t == "embedding":
            _need(len(x) == 1, L, f"input must be token ids [T], got {x}")
            w = data("weight")
            _need(w.ndim == 2, L, f"weight must be [V, D], got {list(w.shape)}")
            y = [x[0], int(w.shape[1])]
        elif t == "layernorm":
            data("weight", [x[-1]])
            data("bias", [x[-1]])
            attr("eps")
            y = x
        elif t == "select_token":
            _need(len(x) == 2, L, f"input must be tokens [T, D], got {x}")
            i = int(attr("index"))
            _need(-x[0] <= i < x[0], L, f"index {i} out of range for {x[0]} tokens")
            y = [x[1]]
        elif t == "token_mean":
            _need(len(x) == 2, L, f"input must be tokens [T, D], got {x}")
            y = [x[1]]
        elif t == "attention":
            _need(len(x) == 2 and ins[1] == x and ins[2] == x, L,
                  f"Q, K, V must be tokens [T, D] of one shape, got {ins}")
            h = int(attr("heads"))
            _need(h > 0 and x[1] % h == 0, L, f"D = {x[1]} is not a multiple of heads = {h}")
            _need(int(a.get("causal", 0)) in (0, 1), L, "causal must be 0 or 1")
            y = x
        elif t == "lstm":
            _need(len(x) == 2 and x[1] % 4 == 0, L, f"input must be tokens [T, 4H], got {x}")
            hid = x[1] // 4
            data("weight", [4 * hid, hid])
            data("bias", [4 * hid])
            y = [x[0], hid]
        else:
            raise ValueError(f"layer '{L.name}': unknown type {t!r}")
        _need(all(int(i) > 0 for i in y), L, f"output shape {[int(i) for i in y]} is empty "
                                             f"(input {x})")
        shapes[L.name] = [int(i) for i in y]
    return shapes


def required_version(input_shape: Sequence[int], layers: Sequence[Layer]) -> int:
    """2 if the model uses a layer type of docs/model_format.md section 4b or a token
    sequence (a rank-2 activation, e.g. dense or add on tokens), else 1: a model that
    version 1 can express is written as version 1, so older readers still read it."""
    if any(L.type in LAYER_TYPES_V2 for L in layers):
        return 2
    shapes = infer_shapes(input_shape, layers)
    return 2 if any(len(s) == 2 for s in shapes.values()) else 1


def _windows(x: np.ndarray, k: Tuple[int, int], s: Tuple[int, int], p: Tuple[int, int],
             fill: float) -> np.ndarray:
    """[N,C,H,W] -> [N,C,Ho,Wo,kh,kw] view of the (padded) pooling/conv windows."""
    if p[0] or p[1]:
        x = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=fill)
    w = np.lib.stride_tricks.sliding_window_view(x, k, axis=(2, 3))
    return w[:, :, ::s[0], ::s[1]]


def _eval_layer(layer: Layer, xs: List[np.ndarray]) -> np.ndarray:
    t, a, d = layer.type, layer.attrs, layer.data
    x = xs[0]
    if t == "dense":
        return x @ d["weight"].astype(np.float64).T + d["bias"]
    if t == "conv2d":
        w = d["weight"].astype(np.float64)
        k = (w.shape[2], w.shape[3])
        win = _windows(x, k, tuple(a["stride"]), tuple(a["padding"]), 0.0)
        y = np.tensordot(win, w, axes=([1, 4, 5], [1, 2, 3]))       # [N,Ho,Wo,Cout]
        return np.ascontiguousarray(y.transpose(0, 3, 1, 2)) + d["bias"][None, :, None, None]
    if t == "maxpool2d":
        return _windows(x, tuple(a["kernel"]), tuple(a["stride"]), tuple(a["padding"]),
                        -np.inf).max(axis=(4, 5))
    if t == "avgpool2d":
        k = tuple(a["kernel"])
        return _windows(x, k, tuple(a["stride"]), tuple(a["padding"]), 0.0).sum(axis=(4, 5)) / (k[0] * k[1])
    if t == "relu":
        return np.maximum(x, 0.0)
    if t == "batchnorm":
        shp = (1, -1) + (1,) * (x.ndim - 2)
        scale = d["gamma"] / np.sqrt(d["running_var"].astype(np.float64) + float(a["eps"]))
        return (x - d["running_mean"].reshape(shp)) * scale.reshape(shp) + d["beta"].reshape(shp)
    if t == "flatten":
        return x.reshape(x.shape[0], -1)
    if t == "add":
        return x + xs[1]
    # -- version 2 ([N, T, D] token sequences) --
    if t == "reshape":
        return x.reshape((x.shape[0],) + tuple(int(i) for i in np.asarray(a["shape"]).reshape(-1)))
    if t == "to_tokens":
        n, c = x.shape[:2]
        return np.ascontiguousarray(x.reshape(n, c, -1).transpose(0, 2, 1))
    if t == "prepend_token":
        tok = np.broadcast_to(d["token"].astype(np.float64), (x.shape[0], 1, x.shape[2]))
        return np.concatenate([tok, x], axis=1)
    if t == "add_constant":
        return x + d["value"].astype(np.float64)
    if t == "embedding":
        w = d["weight"]
        ids = np.rint(x)
        if not np.array_equal(ids, x) or ids.min(initial=0) < 0 or ids.max(initial=0) >= w.shape[0]:
            raise ValueError(f"layer '{layer.name}' (embedding): inputs must be integers in "
                             f"[0, {w.shape[0]}), got values in [{x.min()}, {x.max()}]")
        return w[ids.astype(np.int64)].astype(np.float64)
    if t == "layernorm":
        mu = x.mean(axis=-1, keepdims=True)
        var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
        return (x - mu) / np.sqrt(var + float(a["eps"])) * d["weight"] + d["bias"]
    if t == "gelu":
        if a["approximate"] == "tanh":
            return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))
        return 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0)))
    if t == "sigmoid":
        return _sigmoid(x)
    if t == "tanh":
        return np.tanh(x)
    if t == "softmax":
        return _softmax(x)
    if t == "select_token":
        return x[:, int(a["index"])]
    if t == "token_mean":
        return x.mean(axis=1)
    if t == "attention":
        q, k, v = xs
        n, tt, dd = q.shape
        h = int(a["heads"])
        dh = dd // h
        qh, kh, vh = (z.reshape(n, tt, h, dh).transpose(0, 2, 1, 3) for z in (q, k, v))
        s = qh @ kh.transpose(0, 1, 3, 2) / np.sqrt(dh)                    # [N, h, T, T]
        if int(a.get("causal", 0)):
            s = np.where(np.triu(np.ones((tt, tt), dtype=bool), 1), -np.inf, s)
        y = _softmax(s) @ vh                                              # [N, h, T, dh]
        return np.ascontiguousarray(y.transpose(0, 2, 1, 3).reshape(n, tt, dd))
    if t == "lstm":
        w, b = d["weight"].astype(np.float64), d["bias"].astype(np.float64)
        n, tt, h4 = x.shape
        hd = h4 // 4
        h = np.zeros((n, hd))
        c = np.zeros((n, hd))
        out = np.empty((n, tt, hd))
        for step in range(tt):
            g = x[:, step] + h @ w.T + b
            i, f = _sigmoid(g[:, :hd]), _sigmoid(g[:, hd:2 * hd])
            gg, o = np.tanh(g[:, 2 * hd:3 * hd]), _sigmoid(g[:, 3 * hd:])
            c = f * c + i * gg
            h = o * np.tanh(c)
            out[:, step] = h
        return out
    raise ValueError(f"unknown layer type {t!r}")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # Two branches so that exp never overflows.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softmax(x: np.ndarray) -> np.ndarray:
    m = np.max(x, axis=-1, keepdims=True)
    e = np.exp(x - np.where(np.isfinite(m), m, 0.0))
    return e / e.sum(axis=-1, keepdims=True)


def _erf(x: np.ndarray) -> np.ndarray:
    """erf, from scipy when available (Debian's python3-scipy); numpy has none. The
    fallback evaluates math.erf per element: exact, but slow on large inputs."""
    try:
        from scipy.special import erf
    except ImportError:
        import math
        return np.vectorize(math.erf, otypes=[np.float64])(x)
    return erf(x)


def run_reference(path: str, x: np.ndarray, batch: int = 256) -> np.ndarray:
    """Evaluate a model file on normalised inputs ``x`` [N, *input_shape] with
    numpy (float64); returns logits [N, num_classes]."""
    meta, layers = read_model(path)
    x = np.asarray(x, dtype=np.float64)
    if list(x.shape[1:]) != meta["input_shape"]:
        raise ValueError(f"input shape {list(x.shape[1:])} != model input_shape {meta['input_shape']}")
    outs = []
    for i in range(0, x.shape[0], batch):
        vals = {INPUT_NAME: x[i:i + batch]}
        for layer in layers:
            vals[layer.name] = _eval_layer(layer, [vals[n] for n in layer.inputs])
        outs.append(vals[layers[-1].name])
    return np.concatenate(outs, axis=0)


def describe(path: str) -> str:
    """Human-readable dump of a model file."""
    meta, layers = read_model(path)
    lines = [f"{path}:"]
    for k, v in meta.items():
        lines.append(f"  @{k} = {v.tolist() if isinstance(v, np.ndarray) else v!r}")
    for i, (g, l) in enumerate(zip(_layer_group_names(len(layers)), layers)):
        at = ", ".join(f"{k}={v.tolist() if isinstance(v, np.ndarray) else v}" for k, v in l.attrs.items())
        ds = ", ".join(f"{k}{list(v.shape)}" for k, v in l.data.items())
        lines.append(f"  /layers/{g}  {l.type:9s} {l.name:12s} <- {', '.join(l.inputs):14s}"
                     f"{'  ' + at if at else ''}{'  ' + ds if ds else ''}".rstrip())
    return "\n".join(lines)

