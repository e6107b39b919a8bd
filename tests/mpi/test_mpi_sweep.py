#!/usr/bin/python3
"""MPI sweeps (docs/cluster.md), run by CTest when xbarsim is built with MPI.

    test_mpi_sweep.py CASE XBARSIM MPIEXEC SOURCE_DIR

CASE is one of:
  equal    -np 3 on the quick noise_accuracy study gives exactly the one-process result, and
           -np 2 with 2 threads per rank does too (quick energy_compare);
  failure  a task that throws under -np 3 ends the run with a non-zero exit, without hanging,
           with the failing point reported and every other task saved;
  resume   a run stopped under -np 3 resumes under -np 2 and equals the one-process result.

"Exactly" means every dataset under /results, summary.csv and every task file, byte for byte.
"""
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

TIMEOUT_S = 300  # a hung rank fails the test instead of blocking CI


def mpi_prefix(mpiexec, ranks):
    """mpirun with the flags CI needs: it runs as root in a container with 2 cores."""
    version = subprocess.run([mpiexec, "--version"], capture_output=True, text=True).stdout
    open_mpi = any(s in version for s in ("Open MPI", "OpenRTE", "open-mpi.org"))
    extra = ["--allow-run-as-root", "--oversubscribe"] if open_mpi else []
    return [mpiexec, *extra, "-np", str(ranks)]


def run(cmd, expect=0):
    """Runs a command; fails the test on a timeout or an unexpected exit code."""
    print("$", " ".join(cmd), flush=True)
    env = dict(os.environ)
    # Containers often forbid the cross-memory attach of Open MPI's shared-memory transport;
    # copy-in/copy-out works everywhere and the messages here are small.
    env.setdefault("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, env=env)
    except subprocess.TimeoutExpired:
        sys.exit(f"FAIL: timed out after {TIMEOUT_S} s (a rank hangs?): {' '.join(cmd)}")
    print(p.stdout + p.stderr)
    if expect == "nonzero":
        if p.returncode == 0:
            sys.exit("FAIL: expected a non-zero exit code")
    elif p.returncode != expect:
        sys.exit(f"FAIL: exit code {p.returncode}, expected {expect}")
    return p


def results_of(folder):
    """Everything a sweep computed: /results datasets, summary.csv and the task files."""
    out = {}
    with h5py.File(os.path.join(folder, "results.h5"), "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and name.startswith("results"):
                out[name] = (np.asarray(obj[()]).tobytes(), obj.attrs["unit"])
        f.visititems(visit)
    with open(os.path.join(folder, "summary.csv"), "rb") as f:
        out["summary.csv"] = f.read()
    tasks = os.path.join(folder, "tasks")
    for name in sorted(os.listdir(tasks)):
        with open(os.path.join(tasks, name), "rb") as f:
            out["tasks/" + name] = f.read()
    return out


def check_same(a, b, what):
    ra, rb = results_of(a), results_of(b)
    if ra.keys() != rb.keys():
        sys.exit(f"FAIL: {what}: different contents: {sorted(ra.keys() ^ rb.keys())}")
    differ = [k for k in ra if ra[k] != rb[k]]
    if differ:
        sys.exit(f"FAIL: {what}: differs in {differ}")
    print(f"ok: {what}: {len(ra)} items identical")


def case_equal(xbarsim, mpiexec, src, tmp):
    noise = os.path.join(src, "experiments/noise_accuracy/experiment.yaml")
    one, three = os.path.join(tmp, "one"), os.path.join(tmp, "three")
    run([xbarsim, "sweep", noise, "--quick", "-o", one])
    run(mpi_prefix(mpiexec, 3) + [xbarsim, "sweep", noise, "--quick", "-o", three])
    check_same(one, three, "noise_accuracy quick, 1 process vs -np 3")
    energy = os.path.join(src, "experiments/energy_compare/experiment.yaml")
    e1, e2 = os.path.join(tmp, "e1"), os.path.join(tmp, "e2")
    run([xbarsim, "sweep", energy, "--quick", "-o", e1])
    run(mpi_prefix(mpiexec, 2) + [xbarsim, "sweep", energy, "--quick", "--jobs", "2", "-o", e2])
    check_same(e1, e2, "energy_compare quick, 1 process vs -np 2 --jobs 2")


def case_failure(xbarsim, mpiexec, src, tmp):
    folder = os.path.join(tmp, "sweep_failing")
    shutil.copytree(os.path.join(src, "tests/data/sweep_failing"), folder)
    spec = os.path.join(folder, "experiment.yaml")
    out = os.path.join(tmp, "out")
    p = run(mpi_prefix(mpiexec, 3) + [xbarsim, "sweep", spec, "-o", out], expect="nonzero")
    text = p.stdout + p.stderr
    for needle in ["point 1 (model=broken.h5), trial 0", "point 1 (model=broken.h5), trial 1",
                   "2 task(s) failed"]:
        if needle not in text:
            sys.exit(f"FAIL: the output does not report '{needle}'")
    saved = sorted(os.listdir(os.path.join(out, "tasks")))
    want = [f"point_{p:05d}_trial_{t:04d}.yaml" for p in (0, 2) for t in (0, 1)]
    if saved != want:
        sys.exit(f"FAIL: saved tasks {saved}, expected {want}")
    failed = sorted(os.listdir(os.path.join(out, "failed")))
    if len(failed) != 2:
        sys.exit(f"FAIL: failure reports {failed}")
    if os.path.exists(os.path.join(out, "results.h5")):
        sys.exit("FAIL: a results file was written for an incomplete sweep")
    print("ok: failure reported, other tasks saved, no hang")


def case_resume(xbarsim, mpiexec, src, tmp):
    noise = os.path.join(src, "experiments/noise_accuracy/experiment.yaml")
    one, cut = os.path.join(tmp, "one"), os.path.join(tmp, "cut")
    run([xbarsim, "sweep", noise, "--quick", "-o", one])
    run(mpi_prefix(mpiexec, 3) + [xbarsim, "sweep", noise, "--quick", "-o", cut,
                                  "--stop-after", "2"], expect="nonzero")
    saved = os.listdir(os.path.join(cut, "tasks"))
    if len([s for s in saved if s.endswith(".yaml")]) != 2:
        sys.exit(f"FAIL: after the interruption {saved}")
    p = run(mpi_prefix(mpiexec, 2) + [xbarsim, "sweep", noise, "--quick", "-o", cut,
                                      "--resume"])
    if "2 tasks computed, 2 resumed" not in p.stdout:
        sys.exit("FAIL: the resume recomputed finished tasks or missed some")
    check_same(one, cut, "noise_accuracy quick, 1 process vs stopped at -np 3, resumed at -np 2")


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    case, xbarsim, mpiexec, src = sys.argv[1:]
    cases = {"equal": case_equal, "failure": case_failure, "resume": case_resume}
    if case not in cases:
        sys.exit(f"unknown case {case}; one of {sorted(cases)}")
    tmp = tempfile.mkdtemp(prefix="xbarsim_mpi_")
    try:
        cases[case](xbarsim, mpiexec, src, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
