"""PyTorch models on crossbars: ``xbarsim.torch.convert`` (docs/python.md#pytorch).

``convert(model, arch)`` returns a copy of a trained classifier whose
``nn.Linear`` and ``nn.Conv2d`` layers run their forward pass through the
analog engine, in the spirit of aihwkit's ``convert_to_analog``; every other
layer stays PyTorch's.  The model is exported to the xbarsim model format
first (``xbarsim.export``), so it must be one the exporter understands, and
the converted layers then compute exactly what ``xbarsim eval`` computes:

* batch norm that follows a convolution or dense layer is folded into it, as
  the C++ loader folds it, and the folded ``nn.BatchNorm*`` becomes identity;
* activation and ADC ranges are calibrated on ``calibration`` images (default:
  the first 256 Fashion-MNIST training images, as ``xbarsim eval``);
* one ``seed`` and ``trial`` select the programmed cells and the noise streams,
  so feeding the test set in batches of ``xbarsim eval``'s ``--batch`` gives
  the accuracy ``xbarsim eval --seed S`` reports for its first trial.

Inference only: the converted layers have no gradient.
"""

from __future__ import annotations

import copy
import os
import tempfile
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import export as _export
from ._xbarsim import Arch, NetworkSession


class _AnalogLayer(nn.Module):
    """Shared part of the analog Linear and Conv2d: the session and the folded bias."""

    def __init__(self, session: NetworkSession, index: int, name: str, bias: np.ndarray):
        super().__init__()
        self._session = session
        self._index = index
        self.layer_name = name
        self.register_buffer("folded_bias", torch.from_numpy(np.array(bias, dtype=np.float32)))

    def _product(self, columns: torch.Tensor) -> torch.Tensor:
        # (vectors, features) float32 in C order is the engine's column-major layout as it is.
        x = columns.detach().to(torch.float32).contiguous().cpu().numpy()
        return torch.from_numpy(self._session.product(self._index, x))


class AnalogLinear(_AnalogLayer):
    """``nn.Linear`` whose W x runs on the crossbar tiles (bias added digitally)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lead = x.shape[:-1]
        y = self._product(x.reshape(-1, x.shape[-1])) + self.folded_bias
        return y.reshape(*lead, -1)


class AnalogConv2d(_AnalogLayer):
    """``nn.Conv2d`` as im2col patches through the crossbar tiles (bias added digitally)."""

    def __init__(self, session, index, name, bias, conv: nn.Conv2d):
        super().__init__(session, index, name, bias)
        self.kernel_size = conv.kernel_size
        self.stride = conv.stride
        self.padding = conv.padding
        self.out_channels = conv.out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        kh, kw = self.kernel_size
        sh, sw = self.stride
        ph, pw = self.padding
        out_h = (h + 2 * ph - kh) // sh + 1
        out_w = (w + 2 * pw - kw) // sw + 1
        # unfold's rows are (channel, kernel row, kernel column), the engine's im2col order.
        patches = F.unfold(x, self.kernel_size, padding=self.padding, stride=self.stride)
        columns = patches.transpose(1, 2).reshape(n * out_h * out_w, -1)
        y = self._product(columns) + self.folded_bias
        return y.reshape(n, out_h, out_w, self.out_channels).permute(0, 3, 1, 2).contiguous()


def _set_module(root: nn.Module, qualified: str, module: nn.Module) -> None:
    parent = root
    *path, last = qualified.split(".")
    for part in path:
        parent = getattr(parent, part)
    setattr(parent, last, module)


def convert(model: nn.Module, arch, *, input_shape: Sequence[int] = (1, 28, 28),
            input_mean: float = 0.0, input_std: float = 1.0, num_classes: Optional[int] = None,
            calibration=None, calibration_images: int = 256, seed: int = 1, trial: int = 0,
            threads: int = 0, model_file: Optional[str] = None) -> nn.Module:
    """Returns a copy of ``model`` whose Linear and Conv2d layers run on ``arch``.

    ``arch`` is an ``xbarsim.Arch`` or a name or path.  ``calibration`` is raw
    calibration data as ``xbarsim.evaluate`` takes it (a data set name, or an
    images array with pixels in [0, 1] or uint8) and is normalised with
    ``input_mean`` and ``input_std``, which must be what the model's inputs
    were normalised with.  ``model_file`` keeps the exported model there (by
    default it goes to a temporary file that is removed).
    """
    if not isinstance(arch, Arch):
        arch = Arch(str(arch))
    model = copy.deepcopy(model).eval()
    if num_classes is None:
        last = [m for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))][-1]
        num_classes = last.out_features if isinstance(last, nn.Linear) else last.out_channels
    with tempfile.TemporaryDirectory() as tmp:
        path = model_file or os.path.join(tmp, "model.h5")
        _export.export(model, path, name=type(model).__name__, input_shape=tuple(input_shape),
                       input_mean=input_mean, input_std=input_std, num_classes=num_classes)
        session = NetworkSession(arch, path, calibration, calibration_images, seed, trial,
                                 threads)
    crossbar = {d["name"]: d for d in session.layers()}
    kept = set(session.layer_names())
    modules = dict(model.named_modules())
    for name, d in crossbar.items():
        module = modules.get(name)
        if isinstance(module, nn.Linear):
            _set_module(model, name, AnalogLinear(session, d["index"], name, d["bias"]))
        elif isinstance(module, nn.Conv2d):
            _set_module(model, name,
                        AnalogConv2d(session, d["index"], name, d["bias"], module))
        else:
            raise ValueError(f"layer '{name}' of the exported model is no nn.Linear or "
                             f"nn.Conv2d module of the PyTorch model")
    # Batch norm the loader folded into the layer before it has no layer of its own any more.
    for name, module in modules.items():
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)) and name not in kept:
            _set_module(model, name, nn.Identity())
    model.xbarsim_session = session
    return model
