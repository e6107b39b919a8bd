"""The installed Python module (tests/install/run_install_test.sh package, when the build has
the target xbarsim_python): imported from the install prefix alone, it finds the installed data
and runs one MVM on the ideal architecture, which must give W x to float rounding.

    check_python_module.py PYTHONDIR DATA_DIR

PYTHONDIR is the prefix's Python folder (on PYTHONPATH), DATA_DIR the installed data folder.
The calls are the module's API (src/python, docs/python.md).
"""
import os
import sys

import numpy as np

python_dir, data_dir = (os.path.realpath(p) for p in sys.argv[1:3])

import xbarsim  # noqa: E402  (after the arguments: a failed import names the PYTHONPATH below)

where = os.path.realpath(xbarsim.__file__)
if not where.startswith(python_dir + os.sep):
    sys.exit(f"xbarsim was imported from {where}, not from the prefix's {python_dir}")

found = os.path.realpath(xbarsim.data_dir())
if found != data_dir:
    sys.exit(f"xbarsim.data_dir() is {found}, expected the installed {data_dir}")

# One MVM on the ideal architecture: more inputs than an array's 128 rows, signed values.
rng = np.random.default_rng(1)
w = rng.standard_normal((12, 300)).astype(np.float32)
x = rng.uniform(-1.0, 1.0, (4, 300)).astype(np.float32)  # (batch, inputs)
matrix = xbarsim.program(xbarsim.Arch("ideal"), w, seed=1)
y = np.asarray(matrix.mvm(x), dtype=np.float64)
ref = x.astype(np.float64) @ w.T.astype(np.float64)
# Noise-free and unquantised, so float rounding alone: |error| <= c * n * eps * sum |w||x|
# (Higham, Accuracy and Stability, Sec. 3.1), c = 8 as in tests/engine/test_ideal_crossbar.cpp.
bound = (np.abs(x).astype(np.float64) @ np.abs(w).T.astype(np.float64)) * (8.0 * (300 + 4) * 2.0**-24)
if y.shape != ref.shape or not np.all(np.abs(y - ref) <= bound):
    sys.exit(f"the ideal MVM is off W x: largest error {np.max(np.abs(y - ref))}")
print(f"xbarsim Python module from {where}: data {found}, ideal MVM = W x within float rounding")

# xbarsim.torch exports models with the packaged exporter, which imports the format's module
# from its own folder: both must be installed beside the package (not only in data/models).
import importlib  # noqa: E402

for name in ("xbarsim.export", "xbarsim.modelfile"):
    module = importlib.import_module(name)
    if not os.path.realpath(module.__file__).startswith(python_dir + os.sep):
        sys.exit(f"{name} was imported from {module.__file__}, not from the prefix")
print("xbarsim.export and xbarsim.modelfile import from the prefix")
