#!/usr/bin/python3
"""Speed of AnalogMatrix.mvm called from Python against xbarsim_bench's C++ figure.

    PYTHONPATH=build/python /usr/bin/python3 src/bench/bench_python_mvm.py build [THREADS]

Runs xbarsim_bench's first case (the default ReRAM tile: 1-bit DAC x 8 cycles, 4 weight
slices, 8-bit ADC, variation and read noise) on a 512 x 512 matrix at batch 256, signed and
unsigned inputs, best of 3 calls as the benchmark takes them, then runs xbarsim_bench itself
and prints both (docs/performance.md#python).
"""

import os
import re
import subprocess
import sys
import time

import numpy as np

build = sys.argv[1]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
sys.path.insert(0, os.path.join(build, "python"))
import xbarsim  # noqa: E402

n, batch = 512, 256
rng = np.random.default_rng(1)
W = rng.uniform(-1, 1, (n, n)).astype(np.float32)
X = rng.uniform(-1, 1, (batch, n)).astype(np.float32)
m = xbarsim.program(xbarsim.Arch("reram"), W, seed=1, threads=threads)
python_s = {}
for label, inputs in (("signed", X), ("unsign", np.abs(X))):
    m.calibrate(inputs, input_range=1.0)
    best = 1e300
    for _ in range(3):
        t0 = time.perf_counter()
        m.mvm(inputs, input_range=1.0)
        best = min(best, time.perf_counter() - t0)
    python_s[label] = best

bench = subprocess.run([os.path.join(build, "xbarsim_bench"), str(threads)], check=True,
                       capture_output=True, text=True).stdout
cpp_s = {}
for line in bench.splitlines():
    if line.startswith("reram: 1-bit DAC x 8 cycles"):
        fields = line.split()
        cpp_s[fields[-6]] = float(fields[-4])
print(f"512 x 512, batch 256, {threads} threads, default ReRAM tile")
print(f"{'inputs':8} {'python_s':>10} {'c++_s':>10} {'python/c++':>11}")
for label in ("signed", "unsign"):
    print(f"{label:8} {python_s[label]:10.4f} {cpp_s[label]:10.4f} "
          f"{python_s[label] / cpp_s[label]:11.3f}")
