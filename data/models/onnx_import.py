#!/usr/bin/python3
"""Import an ONNX classifier into the xbarsim HDF5 model format.

    /usr/bin/python3 data/models/onnx_import.py IN.onnx OUT.h5 [--name NAME]

reads IN.onnx with python3-onnx (onnx.load, the checker, shape inference,
numpy_helper), converts the graph into the layers of docs/model_format.md and
writes OUT.h5 with the writer shared with export.py (modelfile.py: same HDF5
rules, no torch needed; written to a
temporary file and renamed, so no half-written file is ever left). Exit
status 0 on success; 2 with a one-line error on stderr naming IN.onnx (and,
for an operator that cannot be converted, the operator, the node name and the
opset) otherwise. Operators, patterns and the reasons for doing this in
Python: docs/onnx.md.

How the conversion works. The model is evaluated symbolically with a concrete
batch size. Every value is either a constant (initializers, Constant nodes
and everything computed only from them, folded with numpy: this covers the
Shape/Gather/Unsqueeze/Concat arithmetic that exporters emit) or an
*activation*: the output of one xbarsim layer plus an integer array, shaped
like the ONNX tensor, holding for each element its position in that layer's
output (sample-major). Data-movement operators (Reshape, Transpose, Slice,
Gather with constant indices, Squeeze, Unsqueeze, Flatten, Identity) only
rearrange that index array; no layer is created. A layer is created when an
operator computes: it needs its input in the layer's own layout, and the
index array tells exactly which of flatten / reshape / to_tokens /
select_token / a slice of a dense layer's outputs gives that layout - or that
none does, which is an error naming the node. Dense-like operators (MatMul,
Gemm, LayerNormalization, Softmax) act on rows and accept any order of whole
rows (torch exports attention's out-projection on [T*B, D]). Attention is
recognised from the values themselves: MatMul of two activations gives the
scores, scalar Mul/Div and a constant Add (the mask) modify them, Softmax
gives the probabilities, and MatMul with a third activation is the
attention layer; the per-head layout of Q, K and V is undone with the index
arrays, and the slices of the fused in-projection become the dense Q, K and
V layers. The decomposed GELU (Erf or Tanh form) and LayerNormalization
(opset < 17) subgraphs are fused first.

Every import is checked before the file is moved into place: the written
file, evaluated by the numpy reference interpreter of the format, must
reproduce an independent numpy evaluation of the ONNX graph (evaluate_onnx,
written from the ONNX operator specification) on random inputs.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PROG = "onnx_import.py"
EXIT_ERROR = 2
# Concrete batch size of the symbolic evaluation: 2 when the file's batch dimension is
# symbolic, else the file's own (a graph exported with a fixed batch has it built into its
# Reshape constants). Set by load() for the file being converted.
BATCH = 2


class ImportFailure(Exception):
    """A conversion error; the message is one line and starts with the file name."""


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------

@dataclass
class Act:
    """An activation: ONNX tensor whose elements are elements of layer ``layer`` (per-sample
    shape ``shape``); ``idx`` has the ONNX tensor's shape and holds, per element, the
    sample-major flat position in that layer's output. ``mul`` is a pending scalar factor
    (Mul/Div by a constant), absorbed by attention or a freshly split dense layer."""
    layer: str
    shape: List[int]
    idx: np.ndarray
    mul: float = 1.0


@dataclass
class Scores:
    """Q·Kᵀ of two activations (attention logits), with a scalar factor and an additive mask."""
    q: Act
    k: Act            # as given to MatMul: [..., dh, T]
    scale: float = 1.0
    mask: Optional[np.ndarray] = None


@dataclass
class Probs:
    scores: Scores


@dataclass
class Unsupported:
    """A value that must not be used (e.g. an LSTM's final state)."""
    message: str


def _canonical(shape: Sequence[int]) -> np.ndarray:
    return np.arange(BATCH * int(np.prod(shape, dtype=np.int64)), dtype=np.int64).reshape(
        [BATCH] + list(shape))


# ---------------------------------------------------------------------------
# Constant folding (numpy implementations of the ONNX operators that appear in shape
# arithmetic and in the fused patterns)
# ---------------------------------------------------------------------------

def _attrs(node) -> Dict[str, Any]:
    import onnx
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _np_dtype(onnx_type: int):
    import onnx.mapping
    return onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[onnx_type]


def _erf(x: np.ndarray) -> np.ndarray:
    sys.path.insert(0, HERE)
    import modelfile
    return modelfile._erf(x)


def _axes(node, a: Dict[str, Any], ins: List[Any], pos: int) -> Optional[List[int]]:
    """Axes given as attribute (older opsets) or as input ``pos`` (newer ones)."""
    if "axes" in a:
        return [int(i) for i in a["axes"]]
    if len(ins) > pos and ins[pos] is not None:
        return [int(i) for i in np.asarray(ins[pos]).reshape(-1)]
    return None


def _reshape_target(shape_in: Sequence[int], target: np.ndarray, allowzero: int) -> List[int]:
    t = [int(v) for v in np.asarray(target).reshape(-1)]
    out = [shape_in[i] if v == 0 and not allowzero else v for i, v in enumerate(t)]
    if -1 in out:
        known = int(np.prod([v for v in out if v != -1], dtype=np.int64))
        out[out.index(-1)] = int(np.prod(shape_in, dtype=np.int64)) // max(known, 1)
    return out


def _slice_index(shape: Sequence[int], ins: List[Any], a: Dict[str, Any]) -> Tuple[slice, ...]:
    if "starts" in a:                                     # opset < 10
        starts, ends = a["starts"], a["ends"]
        axes = a.get("axes", list(range(len(starts))))
        steps = [1] * len(starts)
    else:
        starts = np.asarray(ins[1]).reshape(-1).tolist()
        ends = np.asarray(ins[2]).reshape(-1).tolist()
        axes = np.asarray(ins[3]).reshape(-1).tolist() if len(ins) > 3 and ins[3] is not None \
            else list(range(len(starts)))
        steps = np.asarray(ins[4]).reshape(-1).tolist() if len(ins) > 4 and ins[4] is not None \
            else [1] * len(starts)
    sl = [slice(None)] * len(shape)
    for s, e, ax, st in zip(starts, ends, axes, steps):
        ax = int(ax) % len(shape)
        n = shape[ax]
        s, e, st = int(s), int(e), int(st)
        # clamp the huge sentinels (INT64_MAX) exporters use for "to the end"
        s = max(-n - 1, min(s, n))
        e = max(-n - 1, min(e, n))
        sl[ax] = slice(s, e if not (st < 0 and e < -n) else None, st)
    return tuple(sl)


def _np_eval(node, ins: List[Any], opset: int) -> Optional[List[np.ndarray]]:
    """Evaluate ``node`` on constant inputs; None if the operator is not known here."""
    op, a = node.op_type, _attrs(node)
    x = ins[0] if ins else None
    if op in ("Identity", "Dropout"):
        return [x]
    if op == "Constant":
        import onnx.numpy_helper as nh
        if "value" in a:
            return [nh.to_array(a["value"])]
        for k, f in (("value_float", np.float32), ("value_floats", np.float32),
                     ("value_int", np.int64), ("value_ints", np.int64)):
            if k in a:
                return [np.asarray(a[k], dtype=f)]
        return None
    if op == "Cast":
        return [np.asarray(x).astype(_np_dtype(a["to"]))]
    if op == "Shape":
        s = np.asarray(np.shape(x), dtype=np.int64)
        return [s[a.get("start", 0):a.get("end", len(s))]]
    if op == "Gather":
        return [np.take(x, np.asarray(ins[1]).astype(np.int64), axis=a.get("axis", 0))]
    if op == "Unsqueeze":
        r = np.asarray(x)
        axes = sorted(i % (r.ndim + len(_axes(node, a, ins, 1)))
                      for i in _axes(node, a, ins, 1))
        for ax in axes:
            r = np.expand_dims(r, ax)
        return [r]
    if op == "Squeeze":
        axes = _axes(node, a, ins, 1)
        return [np.squeeze(x, axis=tuple(axes) if axes is not None else None)]
    if op == "Concat":
        return [np.concatenate([np.asarray(i) for i in ins], axis=a["axis"])]
    if op == "Slice":
        return [np.asarray(x)[_slice_index(np.shape(x), ins, a)]]
    if op == "Reshape":
        return [np.reshape(x, _reshape_target(np.shape(x), ins[1], a.get("allowzero", 0)))]
    if op == "Transpose":
        return [np.transpose(x, a.get("perm"))]
    if op == "Flatten":
        ax = a.get("axis", 1) % max(np.ndim(x), 1)
        return [np.reshape(x, (int(np.prod(np.shape(x)[:ax], dtype=np.int64)), -1))]
    if op == "ConstantOfShape":
        import onnx.numpy_helper as nh
        v = nh.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
        return [np.full(np.asarray(x).astype(np.int64), v.reshape(-1)[0], dtype=v.dtype)]
    if op == "Expand":
        s = [int(i) for i in np.asarray(ins[1]).reshape(-1)]
        return [np.asarray(x) * np.ones(s, dtype=np.asarray(x).dtype)]
    if op == "Range":
        return [np.arange(np.asarray(ins[0]).item(), np.asarray(ins[1]).item(),
                          np.asarray(ins[2]).item()).astype(np.asarray(ins[0]).dtype)]
    if op == "Where":
        return [np.where(ins[0], ins[1], ins[2])]
    binary = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Pow": np.power,
              "Equal": np.equal, "Less": np.less, "Greater": np.greater, "And": np.logical_and,
              "Or": np.logical_or, "Max": np.maximum, "Min": np.minimum}
    if op in binary and len(ins) == 2:
        r = binary[op](ins[0], ins[1])
        return [r.astype(np.asarray(ins[0]).dtype) if op in ("Add", "Sub", "Mul", "Pow") else r]
    if op == "Div":
        x0, x1 = np.asarray(ins[0]), np.asarray(ins[1])
        if np.issubdtype(x0.dtype, np.integer):
            return [(x0 // x1).astype(x0.dtype)]
        return [(x0 / x1).astype(x0.dtype)]
    unary = {"Sqrt": np.sqrt, "Neg": np.negative, "Tanh": np.tanh, "Erf": _erf, "Abs": np.abs,
             "Exp": np.exp, "Floor": np.floor, "Ceil": np.ceil, "Not": np.logical_not,
             "Reciprocal": np.reciprocal, "Relu": lambda v: np.maximum(v, 0),
             "Sigmoid": lambda v: 1 / (1 + np.exp(-v))}
    if op in unary:
        return [np.asarray(unary[op](np.asarray(x))).astype(np.asarray(x).dtype)]
    if op == "ReduceMean":
        axes = _axes(node, a, ins, 1)
        return [np.mean(x, axis=tuple(axes) if axes is not None else None,
                        keepdims=bool(a.get("keepdims", 1))).astype(np.asarray(x).dtype)]
    return None


# ---------------------------------------------------------------------------
# Fusion of decomposed GELU and LayerNormalization subgraphs
# ---------------------------------------------------------------------------

_ELEMENTWISE = ("Add", "Sub", "Mul", "Div", "Pow", "Erf", "Tanh", "Sqrt")


def _gelu_reference(x: np.ndarray, approximate: str) -> np.ndarray:
    if approximate == "tanh":
        return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0)))


class _Graph:
    def __init__(self, graph, consts: Dict[str, np.ndarray], opset: int):
        self.graph, self.opset = graph, opset
        # One list of node objects used everywhere: protobuf may hand out a new Python
        # wrapper on every access to graph.node, and nodes are identified by id() here.
        self.nodes = list(graph.node)
        self.producer: Dict[str, Any] = {}
        self.consumers: Dict[str, List[Any]] = {}
        for n in self.nodes:
            for o in n.output:
                self.producer[o] = n
            for i in n.input:
                if i:
                    self.consumers.setdefault(i, []).append(n)
        for o in graph.output:
            self.consumers.setdefault(o.name, []).append(None)      # graph output
        self.consts = dict(consts)
        # Everything computed from constants only (Constant nodes, and e.g. the Identity
        # nodes torch uses for shared weights) is a constant for the pattern matcher too.
        for n in self.nodes:
            if all(i in self.consts for i in n.input if i):
                try:
                    v = _np_eval(n, [self.consts[i] if i else None for i in n.input], opset)
                except Exception:     # reported with the node's name by the main pass
                    v = None
                for o, val in zip(n.output, v or []):
                    self.consts[o] = np.asarray(val)

    def const(self, name: str) -> Optional[np.ndarray]:
        return self.consts.get(name)

    def closure(self, y: str, x: str) -> Optional[List[Any]]:
        """Nodes computing ``y`` from ``x`` and constants only, in graph order; None if
        ``y`` depends on anything else or on a non-elementwise operator."""
        seen, stack = set(), [y]
        nodes = set()
        while stack:
            t = stack.pop()
            if t == x or t in seen or t in self.consts:
                continue
            seen.add(t)
            n = self.producer.get(t)
            if n is None or n.op_type not in _ELEMENTWISE:
                return None
            if id(n) not in nodes:
                nodes.add(id(n))
                stack.extend(i for i in n.input if i)
        order = [n for n in self.nodes if id(n) in nodes]
        # Intermediate values must not be used outside the subgraph.
        inside = {id(n) for n in order}
        for n in order:
            for o in n.output:
                if o != y and any(c is None or id(c) not in inside
                                  for c in self.consumers.get(o, [])):
                    return None
        return order

    def evaluate(self, nodes: List[Any], x: str, xv: np.ndarray, y: str) -> Optional[np.ndarray]:
        vals = {x: xv}
        try:
            for n in nodes:
                ins = [vals[i] if i in vals else self.consts[i] for i in n.input]
                out = _np_eval(n, [np.asarray(v, dtype=np.float64) for v in ins], self.opset)
                if out is None:
                    return None
                vals[n.output[0]] = out[0]
        except (KeyError, ValueError, FloatingPointError):
            return None
        return vals.get(y)

    def single_consumer(self, t: str) -> Optional[Any]:
        c = self.consumers.get(t, [])
        return c[0] if len(c) == 1 and c[0] is not None else None

    def find_gelu(self, anchor) -> Optional[Tuple[str, str, List[Any], str]]:
        """(x, y, nodes, approximate) if the Erf/Tanh ``anchor`` is inside a GELU subgraph."""
        approx = "none" if anchor.op_type == "Erf" else "tanh"
        # Candidates for x: tensors reached backwards from the anchor (nearest first).
        cands, frontier, seen = [], [anchor.input[0]], set()
        for _ in range(6):
            nxt = []
            for t in frontier:
                if t in seen or t in self.consts:
                    continue
                seen.add(t)
                cands.append(t)
                n = self.producer.get(t)
                if n is not None and n.op_type in _ELEMENTWISE:
                    nxt.extend(i for i in n.input if i)
            frontier = nxt
        probe = np.linspace(-4.0, 4.0, 33)
        want = _gelu_reference(probe, approx)
        y_node = anchor
        for _ in range(5):
            y_node = self.single_consumer(y_node.output[0])
            if y_node is None or y_node.op_type not in _ELEMENTWISE:
                return None
            y = y_node.output[0]
            for x in cands:
                nodes = self.closure(y, x)
                if not nodes or all(m is not anchor for m in nodes):
                    continue
                got = self.evaluate(nodes, x, probe, y)
                if got is not None and np.shape(got) == probe.shape and \
                        np.allclose(got, want, rtol=1e-5, atol=1e-6):
                    return x, y, nodes, approx
        return None

    def find_layernorm(self, r1) -> Optional[Tuple[str, str, List[Any], Dict[str, Any]]]:
        """The decomposed LayerNorm of opset < 17 exports:
        d = x - ReduceMean(x); n = d / Sqrt(ReduceMean(Pow(d, 2)) + eps); n * gamma + beta."""
        def last_axis_mean(n) -> bool:
            a = _attrs(n)
            axes = a.get("axes")
            if axes is None and len(n.input) > 1:
                c = self.const(n.input[1])
                axes = None if c is None else c.reshape(-1).tolist()
            return axes is not None and list(axes) == [-1] and a.get("keepdims", 1) == 1

        if not last_axis_mean(r1):
            return None
        x = r1.input[0]
        sub = self.single_consumer(r1.output[0])
        if sub is None or sub.op_type != "Sub" or list(sub.input) != [x, r1.output[0]]:
            return None
        d = sub.output[0]
        users = self.consumers.get(d, [])
        pw = next((u for u in users if u is not None and u.op_type == "Pow"), None)
        dv = next((u for u in users if u is not None and u.op_type == "Div"), None)
        if len(users) != 2 or pw is None or dv is None or dv.input[0] != d:
            return None
        e2 = self.const(pw.input[1])
        if e2 is None or float(np.asarray(e2).reshape(-1)[0]) != 2.0:
            return None
        r2 = self.single_consumer(pw.output[0])
        if r2 is None or r2.op_type != "ReduceMean" or not last_axis_mean(r2):
            return None
        ad = self.single_consumer(r2.output[0])
        if ad is None or ad.op_type != "Add":
            return None
        eps = self.const(ad.input[1])
        sq = self.single_consumer(ad.output[0])
        if eps is None or sq is None or sq.op_type != "Sqrt" or dv.input[1] != sq.output[0]:
            return None
        nodes = [r1, sub, pw, r2, ad, sq, dv]
        gamma = beta = None
        y = dv.output[0]
        m = self.single_consumer(y)
        if m is not None and m.op_type == "Mul" and m.input[0] == y and self.const(m.input[1]) \
                is not None:
            gamma, y = self.const(m.input[1]), m.output[0]
            nodes.append(m)
            b = self.single_consumer(y)
            if b is not None and b.op_type == "Add" and b.input[0] == y and \
                    self.const(b.input[1]) is not None:
                beta, y = self.const(b.input[1]), b.output[0]
                nodes.append(b)
        return x, y, nodes, {"eps": float(np.asarray(eps).reshape(-1)[0]), "gamma": gamma,
                             "beta": beta}


# ---------------------------------------------------------------------------
# The converter
# ---------------------------------------------------------------------------

class _Importer:
    def __init__(self, path: str, model):
        import onnx
        import onnx.numpy_helper as nh
        sys.path.insert(0, HERE)
        import modelfile
        self.mf = modelfile
        self.path = path
        self.model = model
        self.graph = model.graph
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
                          0)
        self.layers: List[Any] = []
        self.names = {modelfile.INPUT_NAME}
        self.values: Dict[str, Any] = {}
        inits = {t.name: nh.to_array(t) for t in self.graph.initializer}
        self.values.update(inits)
        self.g = _Graph(self.graph, inits, self.opset)
        self.dense_from_matmul: Dict[str, str] = {}     # dense layer -> ONNX tensor (no bias yet)
        self.layer_by_name: Dict[str, Any] = {}
        self.onnx = onnx

    # -- errors / naming ------------------------------------------------------
    def fail(self, node, msg: str) -> None:
        where = f"node '{node.name or node.output[0]}' ({node.op_type}, opset {self.opset})" \
            if node is not None else "graph"
        raise ImportFailure(f"{self.path}: {where}: {msg}")

    def unsupported(self, node) -> None:
        dom = f" (domain '{node.domain}')" if node.domain not in ("", "ai.onnx") else ""
        raise ImportFailure(f"{self.path}: unsupported operator {node.op_type}{dom} (node "
                            f"'{node.name or node.output[0]}', opset {self.opset})")

    def uname(self, base: str) -> str:
        base = base.strip("/").replace("/", ".") or "layer"
        name, i = base, 1
        while name in self.names:
            name = f"{base}_{i}"
            i += 1
        self.names.add(name)
        return name

    def emit(self, node, type_: str, inputs: List[str], attrs=None, data=None,
             name: Optional[str] = None) -> Tuple[str, List[int]]:
        lname = self.uname(name or node.name or node.output[0])
        layer = self.mf.Layer(type_, lname, list(inputs), dict(attrs or {}),
                                  {k: np.ascontiguousarray(v, dtype="<f4")
                                   for k, v in (data or {}).items()})
        self.layers.append(layer)
        self.layer_by_name[lname] = layer
        try:
            shapes = self.mf.infer_shapes(self.input_shape, self.layers)
        except ValueError as e:
            self.fail(node, str(e))
        self.shapes = shapes
        return lname, shapes[lname]

    def act_out(self, lname: str, shape: List[int]) -> Act:
        return Act(lname, list(shape), _canonical(shape))

    # -- layouts ----------------------------------------------------------------
    def materialize(self, v: Act, node, hint: str = "", scale: float = 1.0) -> Act:
        """An activation in its own layer's layout [B, *shape], creating a flatten, reshape,
        to_tokens, select_token or split-dense layer when the index array asks for it.
        ``scale`` (times v.mul) must be absorbed: only a new split dense layer can."""
        scale *= v.mul
        tgt = list(v.idx.shape)
        if not tgt or tgt[0] != BATCH:
            self.fail(node, f"the operand is not batch-major (layout {tgt} with the batch of "
                            f"{BATCH} not first); cannot be expressed in the model format")
        per = tgt[1:]
        src = _canonical(v.shape)
        size = int(np.prod(v.shape, dtype=np.int64))
        if abs(scale - 1.0) > 1e-6:
            res = self._split_dense(v, node, hint, scale)
            if res is None:
                self.fail(node, f"a multiplication by the constant {scale:g} can only be folded "
                                f"into a dense layer feeding attention")
            return res
        if v.idx.size == BATCH * size and np.array_equal(v.idx.reshape(-1), src.reshape(-1)):
            if per == v.shape:
                return Act(v.layer, v.shape, v.idx)
            if not 1 <= len(per) <= 3:
                self.fail(node, f"per-sample shape {per} has rank {len(per)} (the model format "
                                f"has ranks 1 to 3)")
            if len(per) == 1:
                lname, shp = self.emit(node, "flatten", [v.layer], name=f"{node.name}_flatten")
            else:
                lname, shp = self.emit(node, "reshape", [v.layer],
                                       {"shape": np.asarray(per, dtype="<i8")},
                                       name=f"{node.name}_reshape")
            return self.act_out(lname, shp)
        if len(v.shape) == 3 and per == [v.shape[1] * v.shape[2], v.shape[0]]:
            c, h, w = v.shape
            if np.array_equal(v.idx, src.reshape(BATCH, c, h * w).transpose(0, 2, 1)):
                lname, shp = self.emit(node, "to_tokens", [v.layer], name=f"{node.name}_tokens")
                return self.act_out(lname, shp)
        if len(v.shape) == 2 and per == [v.shape[1]]:
            t = int(v.idx.reshape(-1)[0]) // v.shape[1]
            if 0 <= t < v.shape[0] and np.array_equal(v.idx, src[:, t, :]):
                index = t - v.shape[0] if t == v.shape[0] - 1 and t > 0 else t
                lname, shp = self.emit(node, "select_token", [v.layer],
                                       {"index": np.int64(index)}, name=f"{node.name}_token")
                return self.act_out(lname, shp)
        res = self._split_dense(v, node, hint, 1.0)
        if res is not None:
            return res
        self.fail(node, f"unsupported data layout: a tensor of shape {tgt} taken from layer "
                        f"'{v.layer}' (shape {v.shape}) in an order that no layer of the model "
                        f"format produces")
        raise AssertionError

    def _split_dense(self, v: Act, node, hint: str, scale: float) -> Optional[Act]:
        """A contiguous range of output features of a dense layer (the q, k or v part of a
        fused in-projection) as a new dense layer, with ``scale`` folded into it."""
        L = self.layer_by_name.get(v.layer)
        per = list(v.idx.shape[1:])
        if L is None or L.type != "dense" or not per or per[:-1] != v.shape[:-1]:
            return None
        k, o = per[-1], v.shape[-1]
        a = int(v.idx.reshape(-1)[0]) % o
        if a + k > o or not np.array_equal(v.idx, _canonical(v.shape)[..., a:a + k]):
            return None
        w = L.data["weight"][a:a + k] * np.float32(scale)
        b = L.data["bias"][a:a + k] * np.float32(scale)
        lname, shp = self.emit(node, "dense", list(L.inputs), data={"weight": w, "bias": b},
                               name=f"{L.name}_{hint or f'{a}_{a + k}'}")
        return self.act_out(lname, shp)

    def rows(self, v: Act, node) -> Tuple[Act, np.ndarray]:
        """For row-wise operators: (activation, row ids) where every row of the ONNX tensor
        is one whole row (token, or the sample for rank 1) of the activation's layer and
        every row of that layer occurs exactly once."""
        for attempt in range(2):
            if v.mul != 1.0:
                break
            f = v.idx.shape[-1]
            if len(v.shape) in (1, 2) and v.shape[-1] == f:
                r = v.idx.reshape(-1, f)
                ids = r[:, 0] // f
                n_rows = BATCH * int(np.prod(v.shape[:-1], dtype=np.int64))
                if np.array_equal(r, ids[:, None] * f + np.arange(f)) and \
                        np.array_equal(np.sort(ids), np.arange(n_rows)):
                    return v, ids.reshape(v.idx.shape[:-1])
            if attempt == 0:
                v = self.materialize(v, node)
        self.fail(node, f"operand of shape {list(v.idx.shape)} is not a sequence of whole rows "
                        f"of one layer")
        raise AssertionError

    def row_op(self, node, v: Act, type_: str, attrs=None, data=None, out_features=None) -> Act:
        v, ids = self.rows(v, node)
        lname, shp = self.emit(node, type_, [v.layer], attrs, data)
        o = shp[-1]
        return Act(lname, shp, ids[..., None] * o + np.arange(o))

    def elementwise(self, node, v: Act, type_: str, attrs=None) -> Act:
        """Elementwise layers act on the whole layer: any layout that covers it all works."""
        size = BATCH * int(np.prod(v.shape, dtype=np.int64))
        if v.mul != 1.0 or v.idx.size != size or \
                not np.array_equal(np.sort(v.idx.reshape(-1)), np.arange(size)):
            v = self.materialize(v, node)
        lname, shp = self.emit(node, type_, [v.layer], attrs)
        return Act(lname, shp, v.idx)

    def canonical_input(self, v: Any, node, rank: int, what: str) -> Act:
        v = self.act(v, node, what)
        v = self.materialize(v, node)
        if len(v.shape) != rank:
            self.fail(node, f"{what} must have {rank} dimensions per sample, got {v.shape}")
        return v

    def act(self, v: Any, node, what: str = "input") -> Act:
        if isinstance(v, Unsupported):
            self.fail(node, v.message)
        if not isinstance(v, Act):
            self.fail(node, f"{what} must be computed from the network input, got "
                            f"{type(v).__name__ if not isinstance(v, np.ndarray) else 'a constant'}")
        return v

    # -- main loop ---------------------------------------------------------------
    def run(self) -> Tuple[List[Any], List[int], int]:
        g = self.graph
        init_names = {t.name for t in g.initializer}
        real_inputs = [i for i in g.input if i.name not in init_names]
        if len(real_inputs) != 1 or len(g.output) != 1:
            raise ImportFailure(f"{self.path}: the graph must have exactly one input and one "
                                f"output, got {len(real_inputs)} inputs and {len(g.output)} "
                                f"outputs")
        inp = real_inputs[0]
        dims = inp.type.tensor_type.shape.dim
        per = []
        for d in list(dims)[1:]:
            if not d.HasField("dim_value") or d.dim_value <= 0:
                raise ImportFailure(f"{self.path}: input '{inp.name}' must have a fixed shape "
                                    f"apart from the batch dimension, got "
                                    f"{[x.dim_value or x.dim_param for x in dims]}")
            per.append(int(d.dim_value))
        if not per:
            raise ImportFailure(f"{self.path}: input '{inp.name}' has no per-sample dimensions")
        self.input_shape = per
        self.values[inp.name] = Act(self.mf.INPUT_NAME, per, _canonical(per))

        # Fused subgraphs: output tensor -> (kind, x, params); member nodes are skipped.
        fused: Dict[str, Tuple[str, str, Dict[str, Any]]] = {}
        skip = set()
        for n in self.g.nodes:
            if id(n) in skip:
                continue
            hit = None
            if n.op_type in ("Erf", "Tanh"):
                r = self.g.find_gelu(n)
                if r is not None:
                    hit = (r[1], ("gelu", r[0], {"approximate": r[3]}), r[2])
            elif n.op_type == "ReduceMean":
                r = self.g.find_layernorm(n)
                if r is not None:
                    hit = (r[1], ("layernorm", r[0], r[3]), r[2])
            if hit:
                y, info, nodes = hit
                fused[y] = info
                skip.update(id(m) for m in nodes)

        for n in self.g.nodes:
            if id(n) in skip:
                if n.output[0] in fused:
                    self.fused(n, fused[n.output[0]])
                continue
            ins = [self.values[i] if i else None for i in n.input]
            missing = [i for i in n.input if i and i not in self.values]
            if missing:
                self.fail(n, f"input {missing[0]!r} is not produced by an earlier node")
            if all(v is None or isinstance(v, np.ndarray) for v in ins):
                out = _np_eval(n, ins, self.opset)
                if out is None:
                    self.unsupported(n)
                for name, val in zip(n.output, out):
                    self.values[name] = np.asarray(val)
                continue
            self.node(n, ins)

        res = self.values.get(g.output[0].name)
        if not isinstance(res, Act):
            raise ImportFailure(f"{self.path}: the graph output '{g.output[0].name}' is not an "
                                f"activation computed from the input")
        out = self.materialize(res, _FakeNode("output", g.output[0].name))
        if len(out.shape) != 1:
            raise ImportFailure(f"{self.path}: the output must be logits [N, classes], got "
                                f"per-sample shape {out.shape}")
        layers = self.prune(out.layer)
        if not layers:
            raise ImportFailure(f"{self.path}: the model has no layers (output = input)")
        return layers, self.input_shape, out.shape[0]

    def prune(self, out: str) -> List[Any]:
        """Only the layers the output depends on (a fused in-projection that was split into
        q, k, v layers is left unused, for example)."""
        need, keep = {out}, []
        for L in reversed(self.layers):
            if L.name in need:
                keep.append(L)
                need.update(L.inputs)
        return list(reversed(keep))

    def fused(self, node, info) -> None:
        kind, x, p = info
        v = self.act(self.values[x], node)
        if kind == "gelu":
            r = self.elementwise(node, v, "gelu", {"approximate": p["approximate"]})
        else:
            d = self.rows(v, node)[0].shape[-1]
            gamma = np.ones(d, np.float32) if p["gamma"] is None else p["gamma"]
            beta = np.zeros(d, np.float32) if p["beta"] is None else p["beta"]
            r = self.row_op(node, v, "layernorm", {"eps": p["eps"]},
                            {"weight": np.broadcast_to(gamma, (d,)),
                             "bias": np.broadcast_to(beta, (d,))})
        self.values[node.output[0]] = r

    # -- operators -----------------------------------------------------------------
    def node(self, n, ins: List[Any]) -> None:
        op, a = n.op_type, _attrs(n)
        out: Any = None
        x = ins[0]
        if any(isinstance(v, Unsupported) for v in ins):
            self.fail(n, next(v.message for v in ins if isinstance(v, Unsupported)))
        if n.domain not in ("", "ai.onnx"):
            self.unsupported(n)
        if op in ("Identity", "Dropout"):
            out = x
            if op == "Dropout" and len(n.output) > 1 and n.output[1]:
                self.values[n.output[1]] = Unsupported("the dropout mask is not supported")
        elif op == "Cast":
            out = self.act(x, n)
        elif op == "Shape":
            s = np.asarray(self.act(x, n).idx.shape, dtype=np.int64)
            out = s[a.get("start", 0):a.get("end", len(s))]
        elif op in ("Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze", "Slice",
                    "Expand") or (op == "Gather" and isinstance(x, Act)):
            v = self.act(x, n)
            if any(isinstance(i, Act) for i in ins[1:]):
                self.fail(n, "shape or index operands must be constants")
            moved = _np_eval(n, [v.idx] + list(ins[1:]), self.opset)[0]
            out = Act(v.layer, v.shape, np.asarray(moved, dtype=np.int64), v.mul)
        elif op == "Pad":
            out = self.pad(n, ins, a)
        elif op == "Gather":                              # constant table, activation ids
            out = self.embedding(n, ins, a)
        elif op == "Concat":
            out = self.concat(n, ins, a)
        elif op in ("MatMul", "Gemm"):
            out = self.matmul(n, ins, a)
        elif op in ("Add", "Sub"):
            out = self.add(n, ins)
        elif op in ("Mul", "Div"):
            out = self.mul(n, ins)
        elif op in ("Relu", "Sigmoid", "Tanh"):
            out = self.elementwise(n, self.act(x, n), op.lower())
        elif op == "Gelu":                                 # opset 20
            out = self.elementwise(n, self.act(x, n), "gelu",
                                   {"approximate": a.get("approximate", "none")})
        elif op == "Softmax":
            out = self.softmax(n, x, a)
        elif op == "LayerNormalization":
            out = self.layernorm(n, ins, a)
        elif op == "ReduceMean":
            out = self.reduce_mean(n, ins, a)
        elif op == "Conv":
            out = self.conv(n, ins, a)
        elif op in ("MaxPool", "AveragePool"):
            out = self.pool(n, ins, a)
        elif op == "GlobalAveragePool":
            v = self.canonical_input(x, n, 3, "the input")
            h, w = v.shape[1], v.shape[2]
            k = np.asarray([h, w], dtype="<i8")
            lname, shp = self.emit(n, "avgpool2d", [v.layer], {
                "kernel": k, "stride": k, "padding": np.zeros(2, dtype="<i8")})
            out = Act(lname, shp, _canonical(shp).reshape(BATCH, shp[0], 1, 1))
        elif op == "BatchNormalization":
            out = self.batchnorm(n, ins, a)
        elif op == "LSTM":
            self.lstm(n, ins, a)
            return
        else:
            self.unsupported(n)
        self.values[n.output[0]] = out

    def const(self, v: Any, n, what: str) -> np.ndarray:
        if not isinstance(v, np.ndarray):
            self.fail(n, f"{what} must be a constant (an initializer or computed from "
                         f"constants)")
        return v

    def embedding(self, n, ins, a) -> Act:
        table, ids = ins[0], ins[1]
        if a.get("axis", 0) != 0 or not isinstance(table, np.ndarray) or table.ndim != 2:
            self.fail(n, "Gather of activations is only supported as an embedding lookup "
                         "(axis 0 of a constant [V, D] table)")
        v = self.canonical_input(ids, n, 1, "the token ids")
        lname, shp = self.emit(n, "embedding", [v.layer], data={"weight": table})
        return self.act_out(lname, shp)

    def concat(self, n, ins, a) -> Act:
        acts = [i for i in ins if isinstance(i, Act)]
        last = ins[-1]
        if len(acts) != 1 or not isinstance(last, Act) or len(last.idx.shape) != 3 or \
                a["axis"] % 3 != 1:
            self.fail(n, "Concat of activations is only supported as constant tokens in front of "
                         "a token sequence [N, T, D] (a class token)")
        v = self.canonical_input(last, n, 2, "the token sequence")
        cur = v.layer
        toks = []
        for c in ins[:-1]:
            c = np.broadcast_to(np.asarray(c, dtype=np.float32),
                                (BATCH, np.shape(c)[1], v.shape[1]))
            if not np.all(c == c[:1]):
                self.fail(n, "the concatenated tokens differ between samples")
            toks.extend(c[0])
        for i, tok in enumerate(reversed(toks)):
            cur, shp = self.emit(n, "prepend_token", [cur], data={"token": tok},
                                 name=n.name if i == len(toks) - 1 else f"{n.name}_tok{i}")
        return self.act_out(cur, shp)

    def matmul(self, n, ins, a) -> Any:
        x, w = ins[0], ins[1]
        if isinstance(x, Probs):
            return self.attention(n, x, self.act(w, n, "V"))
        if isinstance(x, Act) and isinstance(w, Act):
            if n.op_type != "MatMul":
                self.fail(n, "Gemm of two activations is not supported")
            return Scores(x, w)
        if not isinstance(x, Act):
            self.fail(n, "the first operand must be an activation and the second a constant "
                         "weight (x @ W)")
        w = self.const(w, n, "the weight")
        if n.op_type == "Gemm":
            if a.get("transA", 0):
                self.fail(n, "transA=1 is not supported")
            wt = (w if a.get("transB", 0) else w.T) * a.get("alpha", 1.0)
            o = wt.shape[0]
            c = ins[2] if len(ins) > 2 else None
            bias = np.zeros(o, np.float32)
            if c is not None:
                c = self.const(c, n, "the bias C")
                try:
                    cb = np.broadcast_to(c, (x.idx.shape[0], o))
                except ValueError:
                    self.fail(n, f"bias C of shape {list(c.shape)} does not match {o} outputs")
                if not np.all(cb == cb[:1]):
                    self.fail(n, "a bias C that differs between rows is not supported")
                bias = cb[0] * a.get("beta", 1.0)
            if len(x.idx.shape) != 2:
                self.fail(n, f"Gemm input must be 2-D, got {list(x.idx.shape)}")
        else:
            if w.ndim != 2:
                self.fail(n, f"the constant operand must be a matrix [in, out], got shape "
                             f"{list(w.shape)}")
            wt, bias = w.T, np.zeros(w.shape[1], np.float32)
        if wt.shape[1] != x.idx.shape[-1]:
            self.fail(n, f"weight of shape {list(w.shape)} does not match the input width "
                         f"{x.idx.shape[-1]}")
        if x.mul != 1.0:
            wt = wt * x.mul
            x = Act(x.layer, x.shape, x.idx)
        r = self.row_op(n, x, "dense", data={"weight": wt, "bias": bias})
        if n.op_type == "MatMul":
            self.dense_from_matmul[r.layer] = n.output[0]
        return r

    def add(self, n, ins) -> Any:
        a0, a1 = ins
        sign = -1.0 if n.op_type == "Sub" else 1.0
        if isinstance(a0, Scores) and isinstance(a1, np.ndarray) and sign > 0:
            m = a1 if a0.mask is None else a0.mask + a1
            return Scores(a0.q, a0.k, a0.scale, m)
        if isinstance(a0, Act) and isinstance(a1, Act):
            if sign < 0:
                self.fail(n, "subtracting two activations is not supported")
            x, y = self.materialize(a0, n), self.materialize(a1, n)
            if x.shape != y.shape:
                self.fail(n, f"operands of different shapes {x.shape} and {y.shape}")
            lname, shp = self.emit(n, "add", [x.layer, y.layer])
            return self.act_out(lname, shp)
        if isinstance(a1, Act) and isinstance(a0, np.ndarray) and sign > 0:
            a0, a1 = a1, a0
        if not (isinstance(a0, Act) and isinstance(a1, np.ndarray)):
            self.fail(n, "unsupported operands (expected an activation and a constant, or two "
                         "activations)")
        c = sign * a1.astype(np.float64)
        v = a0
        if v.mul != 1.0:
            self.fail(n, "adding a constant to a scaled activation is not supported")
        # Bias of the MatMul just before: folded into that dense layer.
        L = self.layer_by_name.get(v.layer)
        src_tensor = self.dense_from_matmul.get(v.layer)
        o = v.shape[-1] if v.shape else 0
        if L is not None and src_tensor is not None and src_tensor in n.input and \
                len(self.g.consumers.get(src_tensor, [])) == 1 and c.size == o and \
                c.shape[-1:] == (o,) and v.idx.shape[-1] == o:
            L.data["bias"] = (L.data["bias"] + c.reshape(-1)).astype("<f4")
            del self.dense_from_matmul[v.layer]
            return v
        v = self.materialize(v, n)
        try:
            full = np.broadcast_to(c, v.idx.shape)
        except ValueError:
            self.fail(n, f"constant of shape {list(c.shape)} does not broadcast to "
                         f"{list(v.idx.shape)}")
        if not np.all(full == full[:1]):
            self.fail(n, "a constant that differs between samples is not supported")
        lname, shp = self.emit(n, "add_constant", [v.layer], data={"value": full[0]})
        return self.act_out(lname, shp)

    def mul(self, n, ins) -> Any:
        a0, a1 = ins
        if n.op_type == "Mul" and isinstance(a0, np.ndarray):
            a0, a1 = a1, a0
        if not isinstance(a1, np.ndarray) or a1.size != 1:
            self.fail(n, "only multiplication or division by a constant scalar is supported "
                         "(inside attention, or folded into a dense layer)")
        f = float(a1.reshape(-1)[0])
        f = 1.0 / f if n.op_type == "Div" else f
        if isinstance(a0, Scores):
            return Scores(a0.q, a0.k, a0.scale * f, a0.mask)
        v = self.act(a0, n)
        return Act(v.layer, v.shape, v.idx, v.mul * f)

    def softmax(self, n, x, a) -> Any:
        rank = len(x.q.idx.shape) if isinstance(x, Scores) else len(self.act(x, n).idx.shape)
        axis = a.get("axis", -1 if self.opset >= 13 else 1)
        if axis % rank != rank - 1:
            self.fail(n, f"softmax over axis {axis} of a rank-{rank} tensor; only the last axis "
                         f"is supported")
        if isinstance(x, Scores):
            return Probs(x)
        return self.row_op(n, x, "softmax")

    def layernorm(self, n, ins, a) -> Act:
        v = self.act(ins[0], n)
        if a.get("axis", -1) % len(v.idx.shape) != len(v.idx.shape) - 1:
            self.fail(n, f"axis={a.get('axis')}: only normalisation over the last axis is "
                         f"supported")
        d = v.idx.shape[-1]
        scale = self.const(ins[1], n, "Scale")
        bias = self.const(ins[2], n, "B") if len(ins) > 2 and ins[2] is not None \
            else np.zeros(d, np.float32)
        return self.row_op(n, v, "layernorm", {"eps": float(a.get("epsilon", 1e-5))},
                           {"weight": np.broadcast_to(scale, (d,)),
                            "bias": np.broadcast_to(bias, (d,))})

    def reduce_mean(self, n, ins, a) -> Act:
        axes = _axes(n, a, ins, 1)
        v = self.act(ins[0], n)
        if axes is None or len(axes) != 1 or axes[0] % 3 != 1 or len(v.idx.shape) != 3 or \
                a.get("keepdims", 1):
            self.fail(n, f"ReduceMean is only supported over the tokens of [N, T, D] (axes=[1], "
                         f"keepdims=0), got axes={axes}, keepdims={a.get('keepdims', 1)} on "
                         f"{list(v.idx.shape)}")
        v = self.canonical_input(v, n, 2, "the token sequence")
        lname, shp = self.emit(n, "token_mean", [v.layer])
        return self.act_out(lname, shp)

    def pad(self, n, ins, a) -> Act:
        """Zero padding of the two spatial axes, marked with index -1; the following Conv
        or AveragePool takes it as its own padding (see unpad)."""
        v = self.act(ins[0], n)
        mode = a.get("mode", b"constant")
        pads = a["pads"] if "pads" in a else self.const(ins[1], n, "pads").tolist()
        value = a.get("value", 0.0) if "value" in a else (
            float(np.asarray(ins[2]).reshape(-1)[0]) if len(ins) > 2 and ins[2] is not None
            else 0.0)
        r = len(v.idx.shape)
        if len(ins) > 3 and ins[3] is not None:
            self.fail(n, "Pad with axes is not supported")
        pads = [int(i) for i in pads]
        if mode not in (b"constant", "constant") or value != 0.0 or r != 4 or \
                any(pads[i] or pads[i + r] for i in (0, 1)):
            self.fail(n, "only zero padding of the spatial axes of [N, C, H, W] is supported")
        width = [(pads[i], pads[i + r]) for i in range(r)]
        return Act(v.layer, v.shape, np.pad(v.idx, width, constant_values=-1), v.mul)

    def unpad(self, v: Act, n) -> Tuple[Act, List[int]]:
        """(activation without its explicit zero border, [pad_h, pad_w])."""
        idx = v.idx
        if idx.ndim != 4 or idx.min() >= 0:
            return v, [0, 0]
        inner = idx >= 0
        rows, cols = np.where(inner.any(axis=(0, 1, 3)))[0], np.where(inner.any(axis=(0, 1, 2)))[0]
        t, b = rows[0], idx.shape[2] - 1 - rows[-1]
        left, right = cols[0], idx.shape[3] - 1 - cols[-1]
        core = idx[:, :, t:idx.shape[2] - b, left:idx.shape[3] - right]
        if t != b or left != right or core.min() < 0 or \
                np.count_nonzero(inner) != core.size:
            self.fail(n, "only symmetric zero padding is supported")
        return Act(v.layer, v.shape, core, v.mul), [int(t), int(left)]

    def conv(self, n, ins, a) -> Act:
        v0, extra = self.unpad(self.act(ins[0], n), n)
        v = self.canonical_input(v0, n, 3, "the input")
        w = self.const(ins[1], n, "the weight")
        b = self.const(ins[2], n, "the bias") if len(ins) > 2 and ins[2] is not None \
            else np.zeros(w.shape[0], np.float32)
        if a.get("group", 1) != 1 or list(a.get("dilations", [1, 1])) != [1, 1]:
            self.fail(n, "only group=1, dilation 1 convolutions are supported")
        pads = [p + e for p, e in zip(self.pads(n, a), extra)]
        lname, shp = self.emit(n, "conv2d", [v.layer], {
            "stride": np.asarray(a.get("strides", [1, 1]), dtype="<i8"),
            "padding": np.asarray(pads, dtype="<i8")}, {"weight": w, "bias": b})
        return self.act_out(lname, shp)

    def pads(self, n, a) -> List[int]:
        if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET", b"VALID", "VALID"):
            self.fail(n, f"auto_pad={a['auto_pad']!r} is not supported (use explicit pads)")
        p = list(a.get("pads", [0, 0, 0, 0]))
        if len(p) != 4 or p[0] != p[2] or p[1] != p[3]:
            self.fail(n, f"pads={p}: only symmetric 2-D padding is supported")
        return p[:2]

    def pool(self, n, ins, a) -> Act:
        v0, extra = self.unpad(self.act(ins[0], n), n)
        if any(extra) and (n.op_type == "MaxPool" or (any(self.pads(n, a)) and
                                                      not a.get("count_include_pad", 0))):
            self.fail(n, "explicit zero padding (Pad) before max pooling, or before average "
                         "pooling that excludes its own padding, is not supported")
        v = self.canonical_input(v0, n, 3, "the input")
        k = list(a["kernel_shape"])
        pads = [p + e for p, e in zip(self.pads(n, a), extra)]
        if any(extra):
            a = dict(a, count_include_pad=1)
        if a.get("ceil_mode", 0) or list(a.get("dilations", [1, 1])) != [1, 1]:
            self.fail(n, "ceil_mode and dilations are not supported")
        if n.op_type == "AveragePool" and any(pads) and not a.get("count_include_pad", 0):
            self.fail(n, "average pooling with padding needs count_include_pad=1 (the format "
                         "divides by the kernel size)")
        if n.op_type == "MaxPool" and len(n.output) > 1 and n.output[1]:
            self.values[n.output[1]] = Unsupported("MaxPool indices are not supported")
        lname, shp = self.emit(n, "maxpool2d" if n.op_type == "MaxPool" else "avgpool2d",
                               [v.layer], {"kernel": np.asarray(k, dtype="<i8"),
                                           "stride": np.asarray(a.get("strides", [1, 1]),
                                                                dtype="<i8"),
                                           "padding": np.asarray(pads, dtype="<i8")})
        return self.act_out(lname, shp)

    def batchnorm(self, n, ins, a) -> Act:
        v = self.materialize(self.act(ins[0], n), n)
        if len(v.shape) not in (1, 3):
            self.fail(n, f"BatchNormalization needs [N, C] or [N, C, H, W], got per-sample "
                         f"{v.shape}")
        if a.get("training_mode", 0):
            self.fail(n, "training_mode=1 is not supported")
        gamma, beta, mean, var = (self.const(i, n, "the statistics") for i in ins[1:5])
        lname, shp = self.emit(n, "batchnorm", [v.layer], {"eps": float(a.get("epsilon", 1e-5))},
                               {"gamma": gamma, "beta": beta, "running_mean": mean,
                                "running_var": var})
        return self.act_out(lname, shp)

    def attention(self, n, p: Probs, v: Act) -> Act:
        s = p.scores
        q, kt = s.q, s.k
        if len(q.idx.shape) not in (3, 4) or q.idx.shape[:-2] != kt.idx.shape[:-2] or \
                q.idx.shape != v.idx.shape or kt.idx.shape[-2] != q.idx.shape[-1]:
            self.fail(n, f"attention operands of shapes Q {list(q.idx.shape)}, Kᵀ "
                         f"{list(kt.idx.shape)}, V {list(v.idx.shape)} are not supported "
                         f"(expected [N*heads, T, d] or [N, heads, T, d])")
        lead = q.idx.shape[:-2]
        t, dh = q.idx.shape[-2:]
        if len(lead) == 1:
            if lead[0] % BATCH:
                self.fail(n, f"leading dimension {lead[0]} is not batch x heads")
            h = lead[0] // BATCH
        else:
            if lead[0] != BATCH:
                self.fail(n, f"leading dimension {lead[0]} is not the batch")
            h = lead[1]
        d = h * dh

        def unhead(idx: np.ndarray) -> np.ndarray:
            return idx.reshape(BATCH, h, t, dh).transpose(0, 2, 1, 3).reshape(BATCH, t, d)

        k_idx = np.swapaxes(kt.idx, -1, -2)
        # The format's attention divides the scores by sqrt(d/heads) itself; any other
        # factor (usually exactly that, applied to Q) is folded into the Q projection.
        ratio = q.mul * kt.mul * s.scale * math.sqrt(dh)
        qa = self.materialize(Act(q.layer, q.shape, unhead(q.idx)), n, "q", ratio)
        ka = self.materialize(Act(kt.layer, kt.shape, unhead(k_idx)), n, "k")
        va = self.materialize(Act(v.layer, v.shape, unhead(v.idx), v.mul), n, "v")
        causal = 0
        if s.mask is not None:
            m = np.broadcast_to(s.mask, lead + (t, t)).reshape(-1, t, t)
            if not np.all(m == m[:1]):
                self.fail(n, "an attention mask that differs between samples or heads is not "
                             "supported")
            m = m[0]
            upper = np.triu(np.ones((t, t), dtype=bool), 1)
            if np.all(m == 0):
                causal = 0
            elif np.all(m[~upper] == 0) and np.all(m[upper] <= -1e9):
                causal = 1
            else:
                self.fail(n, "only a causal attention mask (-inf above the diagonal) is "
                             "supported")
        lname, shp = self.emit(n, "attention", [qa.layer, ka.layer, va.layer],
                               {"heads": np.int64(h), "causal": np.int64(causal)})
        out = _canonical(shp).reshape(BATCH, t, h, dh).transpose(0, 2, 1, 3)
        return Act(lname, shp, out.reshape(v.idx.shape))

    def lstm(self, n, ins, a) -> None:
        get = lambda i: ins[i] if len(ins) > i else None            # noqa: E731
        x = self.act(get(0), n)
        if a.get("direction", b"forward") not in (b"forward", "forward"):
            d = a["direction"]
            self.fail(n, f"direction={d.decode() if isinstance(d, bytes) else d}: only forward "
                         f"LSTMs are supported")
        if a.get("input_forget", 0) or "clip" in a:
            self.fail(n, "input_forget and clip are not supported")
        acts = [s.decode() if isinstance(s, bytes) else s for s in a.get("activations", [])]
        if acts and acts != ["Sigmoid", "Tanh", "Tanh"]:
            self.fail(n, f"activations {acts} are not supported (only the default)")
        layout = a.get("layout", 0)
        w, r = self.const(get(1), n, "W"), self.const(get(2), n, "R")
        hid = int(a.get("hidden_size", r.shape[-1]))
        bias = self.const(get(3), n, "B") if get(3) is not None \
            else np.zeros((1, 8 * hid), np.float32)
        for i, what in ((5, "initial_h"), (6, "initial_c"), (7, "the peepholes P")):
            v = get(i)
            if v is not None and (not isinstance(v, np.ndarray) or np.any(v != 0)):
                self.fail(n, f"a non-zero {what} is not supported (the format starts from zeros)")
        idx = x.idx if layout else x.idx.transpose(1, 0, 2)
        seq = get(4)
        if seq is not None and (not isinstance(seq, np.ndarray) or np.any(seq != idx.shape[1])):
            self.fail(n, "sequence_lens shorter than the sequence are not supported")
        v = self.materialize(Act(x.layer, x.shape, idx, x.mul), n)
        if len(v.shape) != 2:
            self.fail(n, f"the input must be a token sequence, got per-sample {v.shape}")
        # ONNX gate order i, o, f, c -> PyTorch's i, f, g(=c), o used by the format.
        order = np.concatenate([np.arange(k * hid, (k + 1) * hid) for k in (0, 2, 3, 1)])
        w_ih, w_hh = w[0][order], r[0][order]
        b_ih, b_hh = bias[0][:4 * hid][order], bias[0][4 * hid:][order]
        base = n.name or n.output[0]
        ih, _ = self.emit(n, "dense", [v.layer], data={"weight": w_ih, "bias": b_ih},
                          name=f"{base}_ih")
        lname, shp = self.emit(n, "lstm", [ih], data={"weight": w_hh, "bias": b_hh}, name=base)
        y = _canonical(shp)                                   # [B, T, H]
        y = y[:, :, None, :] if layout else y.transpose(1, 0, 2)[:, None]
        outs = list(n.output)
        if outs and outs[0]:
            self.values[outs[0]] = Act(lname, shp, np.ascontiguousarray(y))
        for o in outs[1:]:
            if o:
                self.values[o] = Unsupported(f"the final LSTM state ({o}) is not supported; use "
                                             f"the last step of the output Y")


class _FakeNode:
    def __init__(self, op_type: str, name: str):
        self.op_type, self.name, self.output, self.domain = op_type, name, [name], ""



# ---------------------------------------------------------------------------
# Independent numpy evaluation of the ONNX graph (the import check)
# ---------------------------------------------------------------------------

def _pad4(x: np.ndarray, pads: Sequence[int], fill: float) -> np.ndarray:
    """Pad [N, C, H, W] by ONNX pads [top, left, bottom, right]."""
    t, l, b, r = (int(p) for p in pads)
    return np.pad(x, ((0, 0), (0, 0), (t, b), (l, r)), constant_values=fill)


def _windows(x: np.ndarray, k: Sequence[int], strides: Sequence[int]) -> np.ndarray:
    w = np.lib.stride_tricks.sliding_window_view(x, tuple(k), axis=(2, 3))
    return w[:, :, ::strides[0], ::strides[1]]


def _np_compute(node, ins: List[Any], opset: int) -> Optional[List[np.ndarray]]:
    """ONNX operators on float64 activations, written from the ONNX operator specification
    and independent of the converter above, so that comparing the two checks the
    conversion. None if the operator is not implemented here."""
    op, a = node.op_type, _attrs(node)
    x = ins[0] if ins else None
    if op == "MatMul":
        return [np.matmul(x, ins[1])]
    if op == "Gemm":
        A = x.T if a.get("transA", 0) else x
        B = ins[1].T if a.get("transB", 0) else ins[1]
        y = a.get("alpha", 1.0) * (A @ B)
        if len(ins) > 2 and ins[2] is not None:
            y = y + a.get("beta", 1.0) * ins[2]
        return [y]
    if op == "Conv":
        w = ins[1]
        if a.get("group", 1) != 1:
            return None
        xp = _pad4(x, a.get("pads", [0, 0, 0, 0]), 0.0)
        win = _windows(xp, w.shape[2:], a.get("strides", [1, 1]))
        y = np.einsum("nchwuv,ocuv->nohw", win, w)
        if len(ins) > 2 and ins[2] is not None:
            y = y + ins[2][None, :, None, None]
        return [y]
    if op in ("MaxPool", "AveragePool"):
        k, st = a["kernel_shape"], a.get("strides", [1, 1])
        pads = a.get("pads", [0, 0, 0, 0])
        if op == "MaxPool":
            return [_windows(_pad4(x, pads, -np.inf), k, st).max(axis=(4, 5))]
        total = _windows(_pad4(x, pads, 0.0), k, st).sum(axis=(4, 5))
        if a.get("count_include_pad", 0):
            return [total / (k[0] * k[1])]
        ones = _pad4(np.ones((1, 1) + x.shape[2:]), pads, 0.0)
        return [total / _windows(ones, k, st).sum(axis=(4, 5))]
    if op == "GlobalAveragePool":
        return [x.mean(axis=(2, 3), keepdims=True)]
    if op == "BatchNormalization":
        shp = (1, -1) + (1,) * (x.ndim - 2)
        scale, bias, mean, var = (np.reshape(v, shp) for v in ins[1:5])
        return [(x - mean) / np.sqrt(var + a.get("epsilon", 1e-5)) * scale + bias]
    if op == "Softmax":
        axis = a.get("axis", -1 if opset >= 13 else 1) % x.ndim
        if opset < 13:                       # softmax of the 2-D coercion at ``axis``
            flat = x.reshape(int(np.prod(x.shape[:axis], dtype=np.int64)), -1)
            e = np.exp(flat - flat.max(axis=1, keepdims=True))
            return [(e / e.sum(axis=1, keepdims=True)).reshape(x.shape)]
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return [e / e.sum(axis=axis, keepdims=True)]
    if op == "LayerNormalization":
        axis = a.get("axis", -1) % x.ndim
        axes = tuple(range(axis, x.ndim))
        mu = x.mean(axis=axes, keepdims=True)
        var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
        y = (x - mu) / np.sqrt(var + a.get("epsilon", 1e-5)) * ins[1]
        return [y + ins[2] if len(ins) > 2 and ins[2] is not None else y]
    if op == "Gelu":
        appr = a.get("approximate", b"none")
        return [_gelu_reference(x, "tanh" if appr in (b"tanh", "tanh") else "none")]
    if op == "Pad":
        pads = a["pads"] if "pads" in a else [int(v) for v in np.asarray(ins[1]).reshape(-1)]
        value = float(np.asarray(ins[2]).reshape(-1)[0]) if len(ins) > 2 and ins[2] is not None \
            else a.get("value", 0.0)
        r = x.ndim
        return [np.pad(x, [(pads[i], pads[i + r]) for i in range(r)], constant_values=value)]
    if op == "LSTM":
        return _np_lstm(ins, a)
    return None


def _np_lstm(ins: List[Any], a: Dict[str, Any]) -> List[np.ndarray]:
    """ONNX LSTM, forward direction, default activations; gates in ONNX order i, o, f, c."""
    get = lambda i: ins[i] if len(ins) > i else None            # noqa: E731
    x, w, r = get(0), get(1)[0], get(2)[0]
    hid = r.shape[-1]
    if a.get("layout", 0):
        x = x.transpose(1, 0, 2)                                 # -> [T, N, F]
    t_len, n = x.shape[:2]
    b = get(3)[0] if get(3) is not None else np.zeros(8 * hid)
    h = get(5)[0] if get(5) is not None else np.zeros((n, hid))
    c = get(6)[0] if get(6) is not None else np.zeros((n, hid))
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))                    # noqa: E731
    ys = []
    for t in range(t_len):
        g = x[t] @ w.T + h @ r.T + b[:4 * hid] + b[4 * hid:]
        i, o, f, cc = (g[:, k * hid:(k + 1) * hid] for k in range(4))
        c = sig(f) * c + sig(i) * np.tanh(cc)
        h = sig(o) * np.tanh(c)
        ys.append(h)
    y = np.stack(ys)[:, None]                                    # [T, 1, N, H]
    if a.get("layout", 0):
        return [y.transpose(2, 0, 1, 3), h[:, None], c[:, None]]
    return [y, h[None], c[None]]


def evaluate_onnx(model, x: np.ndarray) -> np.ndarray:
    """Run the ONNX graph on ``x`` with numpy (float64); returns the graph output."""
    import onnx.numpy_helper as nh
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    vals: Dict[str, Any] = {}
    for t in model.graph.initializer:
        v = nh.to_array(t)
        vals[t.name] = v.astype(np.float64) if v.dtype.kind == "f" else v
    init_names = set(vals)
    inp = next(i for i in model.graph.input if i.name not in init_names)
    vals[inp.name] = np.asarray(x, dtype=np.float64)
    for n in model.graph.node:
        ins = [vals[i] if i else None for i in n.input]
        out = _np_compute(n, ins, opset)
        if out is None:
            out = _np_eval(n, ins, opset)
        if out is None:
            raise ImportFailure(f"no numpy evaluation of {n.op_type}")
        for name, v in zip(n.output, out):
            if name:
                v = np.asarray(v)
                vals[name] = v.astype(np.float64) if v.dtype.kind == "f" else v
    return vals[model.graph.output[0].name]


def _check_import(path: str, model, h5: str, layers: List[Any], input_shape: List[int]) -> None:
    """The written file, evaluated by modelfile.run_reference, must reproduce the numpy
    evaluation of the ONNX graph on random inputs (valid ids for an embedding model)."""
    import modelfile
    rng = np.random.default_rng(1234)
    emb = [L for L in layers if L.type == "embedding"]
    n = BATCH           # a graph with a fixed batch only runs with that batch
    if emb:
        v = min(int(L.data["weight"].shape[0]) for L in emb)
        x = rng.integers(0, v, size=[n] + list(input_shape)).astype(np.float64)
    else:
        x = rng.standard_normal([n] + list(input_shape))
    want = np.asarray(evaluate_onnx(model, x), dtype=np.float64).reshape(n, -1)
    got = modelfile.run_reference(h5, x)
    err = float(np.max(np.abs(got - want)))
    tol = 1e-4 * max(1.0, float(np.max(np.abs(want))))
    if not np.isfinite(err) or err > tol:
        raise ImportFailure(f"{path}: the converted model does not reproduce the ONNX graph "
                            f"(max |difference| {err:.3g} > {tol:.3g} on random inputs); this "
                            f"is an importer bug, please report it")


# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------

def load(path: str):
    """onnx.load + checker + strict shape inference with a concrete batch size."""
    try:
        import onnx
    except ImportError:
        raise ImportFailure(f"{path}: reading ONNX files needs the Python package onnx "
                            f"(Debian: apt-get install python3-onnx)") from None
    if not os.path.isfile(path):
        raise ImportFailure(f"{path}: no such file")
    try:
        model = onnx.load(path)
    except Exception as e:                    # protobuf DecodeError for a damaged file, ...
        raise ImportFailure(f"{path}: not a readable ONNX file ({type(e).__name__}: "
                            f"{str(e).splitlines()[0] if str(e) else 'cannot parse'})") from None
    try:
        onnx.checker.check_model(model)
    except Exception as e:
        raise ImportFailure(f"{path}: invalid ONNX model: {_one_line(e)}") from None
    # Fix the batch dimension, then let ONNX's own shape inference check every node
    # (e.g. a Gemm whose weight does not match its input width).
    fixed = onnx.ModelProto()
    fixed.CopyFrom(model)
    init_names = {t.name for t in fixed.graph.initializer}
    global BATCH
    BATCH = 2
    for i in fixed.graph.input:
        if i.name in init_names:
            continue
        dims = i.type.tensor_type.shape.dim
        if dims and dims[0].HasField("dim_value") and dims[0].dim_value > 0:
            BATCH = int(dims[0].dim_value)
        elif dims:
            dims[0].dim_value = BATCH
    try:
        onnx.shape_inference.infer_shapes(fixed, check_type=True, strict_mode=True)
    except Exception as e:
        raise ImportFailure(f"{path}: ONNX shape inference failed: {_one_line(e)}") from None
    return fixed


def _one_line(e: BaseException) -> str:
    s = " ".join(str(e).split())
    return s[:400] if s else type(e).__name__


def convert(path: str, with_model: bool = False):
    """(layers, input_shape, num_classes), and the loaded model with ``with_model``."""
    model = load(path)
    res = _Importer(path, model).run()
    return res + (model,) if with_model else res


def import_onnx(path: str, out: str, name: Optional[str] = None, input_mean: float = 0.0,
                input_std: float = 1.0) -> List[Any]:
    layers, input_shape, classes, model = convert(path, with_model=True)
    sys.path.insert(0, HERE)
    import modelfile as export          # the writer shared with export.py, without torch
    import onnx
    name = name or os.path.splitext(os.path.basename(out))[0]
    try:
        with export.atomic_output(out) as tmp:
            export.write_h5(tmp, layers, name=name, input_shape=input_shape,
                            input_mean=input_mean, input_std=input_std, num_classes=classes,
                            producer=f"xbarsim data/models/onnx_import.py, onnx "
                                     f"{onnx.__version__}, from {os.path.basename(path)}")
            export.read_model(tmp)           # the file must pass the reader's checks
            _check_import(path, model, tmp, layers, input_shape)
    except OSError as e:
        raise ImportFailure(f"{path}: cannot write {out}: {e.strerror or e}") from None
    except ValueError as e:
        raise ImportFailure(f"{path}: the converted model is invalid: {_one_line(e)}") from None
    return layers


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        prog=PROG, description="Convert an ONNX classifier to an xbarsim model file "
                               "(docs/onnx.md). Exit status 0 on success, 2 on any error "
                               "(one line on stderr).")
    ap.add_argument("input", metavar="IN.onnx")
    ap.add_argument("output", metavar="OUT.h5")
    ap.add_argument("--name", help="model name stored in the file (default: OUT's stem)")
    ap.add_argument("--input-mean", type=float, default=0.0,
                    help="input normalisation stored in the file (default 0; ONNX has none)")
    ap.add_argument("--input-std", type=float, default=1.0,
                    help="input normalisation stored in the file (default 1)")
    args = ap.parse_args(argv)
    try:
        if not args.input_std > 0:
            raise ImportFailure(f"{args.input}: --input-std must be > 0")
        layers = import_onnx(args.input, args.output, args.name, args.input_mean, args.input_std)
    except ImportFailure as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as e:                                   # a bug: still one line, exit 2
        print(f"{PROG}: error: {args.input}: internal error: {type(e).__name__}: "
              f"{_one_line(e)}", file=sys.stderr)
        return EXIT_ERROR
    print(f"wrote {args.output}: {len(layers)} layers ({', '.join(L.type for L in layers)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
