#!/usr/bin/python3
"""Tests of the xbarsim Python module (docs/python.md), run by CTest as

    /usr/bin/python3 tests/python/test_python_api.py BUILD_DIR SOURCE_DIR

with BUILD_DIR/python on sys.path.  Expected values come from mathematics (the
ideal architecture's exact product), from the command line's own JSON for the
same arguments (the module must return the same fields), or from PyTorch.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import numpy as np

BUILD = os.path.abspath(sys.argv[1])
SOURCE = os.path.abspath(sys.argv[2])
sys.path.insert(0, os.path.join(BUILD, "python"))
import xbarsim  # noqa: E402

XBARSIM = os.path.join(BUILD, "xbarsim")
MODELS = os.path.join(SOURCE, "data", "models")
FMNIST = "/usr/share/datasets/fashion-mnist"
# Fields that differ between any two runs: when and how fast, not what.
VOLATILE = {"provenance", "images_per_second_float", "images_per_second_int8",
            "images_per_second_analog", "estimate_seconds", "threads"}


def cli_json(*args: str) -> dict:
    out = subprocess.run([XBARSIM, *args, "--format", "json"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def stable(d: dict) -> dict:
    return {k: v for k, v in d.items() if k not in VOLATILE}


def read_idx(path: str) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


class ArchAndErrors(unittest.TestCase):
    def test_overrides_reach_the_resolved_config(self):
        arch = xbarsim.Arch("reram", overrides={"tile.adc.bits": 6})
        self.assertEqual(arch.config["tile"]["adc"]["bits"], 6)
        self.assertEqual(arch.name, "reram")
        self.assertTrue(arch.path.endswith("arch/reram.yaml"))

    def test_errors_have_matching_classes_and_the_cli_message(self):
        with self.assertRaises(xbarsim.ConfigError) as e:
            xbarsim.Arch("reram", overrides={"tile.adc.no_such_key": 1})
        self.assertIn("no_such_key", str(e.exception))
        self.assertIsInstance(e.exception, xbarsim.Error)
        self.assertIsInstance(e.exception, RuntimeError)
        cli = subprocess.run([XBARSIM, "mvm", "reram", "--set", "tile.adc.no_such_key=1"],
                             capture_output=True, text=True)
        self.assertEqual(cli.returncode, 2)
        self.assertIn(str(e.exception), cli.stderr)
        with self.assertRaises(xbarsim.IoError) as e:
            xbarsim.Arch("no_such_architecture")
        self.assertIn("reram", str(e.exception))  # the shipped names are listed
        with self.assertRaises(xbarsim.IoError):
            xbarsim.evaluate(xbarsim.Arch("ideal"), "/no/such/model.h5")

    def test_override_values_must_be_plain(self):
        with self.assertRaises(xbarsim.ConfigError) as e:
            xbarsim.Arch("reram", overrides={"tile.adc.bits": [6]})
        self.assertIn("tile.adc.bits", str(e.exception))


class MatrixProducts(unittest.TestCase):
    def setUp(self):
        rng = np.random.default_rng(5)
        self.W = rng.standard_normal((24, 40)).astype(np.float32)  # (outputs, inputs)
        self.X = rng.uniform(-1, 1, (17, 40)).astype(np.float32)   # (batch, inputs)

    def test_ideal_crossbar_gives_the_exact_product(self):
        m = xbarsim.program(xbarsim.Arch("ideal"), self.W, seed=1)
        Y = m.mvm(self.X)
        self.assertEqual(Y.shape, (17, 24))
        self.assertEqual(Y.dtype, np.float32)
        exact = self.X.astype(np.float64) @ self.W.T.astype(np.float64)
        # float32 sums of 40 terms: relative rounding below 40 * 2^-24 of the largest term.
        bound = 40 * 2.0 ** -24 * np.abs(self.X).max() * np.abs(self.W).max() * 40
        self.assertLess(np.abs(Y - exact).max(), bound)
        self.assertEqual((m.rows, m.cols), (40, 24))
        self.assertGreater(m.last_counts["cell_macs"], 0)
        m.mvm(self.X)
        self.assertEqual(m.total_counts["cell_macs"], 2 * m.last_counts["cell_macs"])

    def test_same_seed_same_cells_and_noise(self):
        arch = xbarsim.Arch("reram", overrides={"tile.adc.range": "fixed"})
        a = xbarsim.program(arch, self.W, seed=4).mvm(self.X)
        b = xbarsim.program(arch, self.W, seed=4).mvm(self.X)
        c = xbarsim.program(arch, self.W, seed=5).mvm(self.X)
        np.testing.assert_array_equal(a, b)
        self.assertTrue(np.any(a != c))

    def test_calibrated_adc_needs_calibration_first(self):
        m = xbarsim.program(xbarsim.Arch("reram"), self.W, seed=1)
        with self.assertRaises(xbarsim.ConfigError):
            m.mvm(self.X)
        m.calibrate(np.random.default_rng(9).uniform(-1, 1, (64, 40)).astype(np.float32))
        Y = m.mvm(self.X)
        exact = self.X @ self.W.T
        # A noisy tile, but the product is still the product: well correlated with it.
        self.assertGreater(np.corrcoef(Y.ravel(), exact.ravel())[0, 1], 0.9)

    def test_shape_mismatch_is_a_shape_error(self):
        m = xbarsim.program(xbarsim.Arch("ideal"), self.W)
        with self.assertRaises(xbarsim.ShapeError) as e:
            m.mvm(np.zeros((3, 41), np.float32))
        self.assertIn("40", str(e.exception))

    def test_mvm_equals_the_cli_mvm_on_the_same_files(self):
        # The module and `xbarsim mvm` share the engine: same matrix, inputs and seed, same
        # error against the float product.
        import h5py
        with tempfile.TemporaryDirectory() as tmp:
            with h5py.File(os.path.join(tmp, "m.h5"), "w") as f:
                f["matrix"] = self.W.T  # the CLI's matrix is rows (inputs) x cols (outputs)
            with h5py.File(os.path.join(tmp, "x.h5"), "w") as f:
                f["inputs"] = self.X
            with h5py.File(os.path.join(tmp, "c.h5"), "w") as f:
                f["inputs"] = self.X[::-1].copy()
            cli = cli_json("mvm", "reram", "--matrix", os.path.join(tmp, "m.h5"), "--inputs",
                           os.path.join(tmp, "x.h5"), "--calibration-inputs",
                           os.path.join(tmp, "c.h5"), "--seed", "3", "--threads", "1")
        m = xbarsim.program(xbarsim.Arch("reram"), self.W, seed=3, threads=1)
        m.calibrate(self.X[::-1].copy())
        Y = m.mvm(self.X).astype(np.float64)
        ref = self.X.astype(np.float64) @ self.W.T.astype(np.float64)
        rel = np.sqrt(((Y - ref) ** 2).sum() / (ref ** 2).sum())
        # The CLI sums the squares in float32: over 17 x 24 = 408 terms its relative rounding
        # stays below 408 * 2^-24 = 2.4e-5 per sum (two sums), and its float reference adds
        # less than that again; 1e-4 bounds the whole.
        self.assertAlmostEqual(rel, cli["rel_error_rms"], delta=1e-4 * cli["rel_error_rms"])


class Jobs(unittest.TestCase):
    def test_evaluate_returns_the_cli_eval_fields(self):
        model = os.path.join(MODELS, "fmnist_mlp.h5")
        for arch in ("ideal", "reram"):
            py = xbarsim.evaluate(xbarsim.Arch(arch), model, limit=300, calibration_images=64,
                                  trials=2, seed=7, threads=1)
            cli = cli_json("eval", arch, "--model", model, "--limit", "300",
                           "--calibration-images", "64", "--trials", "2", "--seed", "7",
                           "--threads", "1")
            self.assertEqual(stable(py), stable(cli), arch)
            self.assertEqual(py["schema_version"], 1)
        self.assertEqual(py["model"], "fmnist_mlp")

    def test_ideal_architecture_reproduces_float(self):
        r = xbarsim.evaluate(xbarsim.Arch("ideal"), os.path.join(MODELS, "fmnist_cnn.h5"),
                             limit=200)
        self.assertEqual(r["accuracy_analog_mean"], r["accuracy_float"])

    def test_arrays_give_the_same_result_as_the_data_set(self):
        images = read_idx(os.path.join(FMNIST, "t10k-images-idx3-ubyte.gz"))[:150]
        labels = read_idx(os.path.join(FMNIST, "t10k-labels-idx1-ubyte.gz"))[:150]
        calib = read_idx(os.path.join(FMNIST, "train-images-idx3-ubyte.gz"))[:64]
        model = os.path.join(MODELS, "fmnist_mlp.h5")
        arch = xbarsim.Arch("reram")
        a = xbarsim.evaluate(arch, model, dataset=(images, labels), calibration=calib, seed=2)
        b = xbarsim.evaluate(arch, model, limit=150, calibration_images=64, seed=2)
        for key in ("accuracy_float", "accuracy_int8", "accuracy_analog_trials"):
            self.assertEqual(a[key], b[key], key)
        # Float images in [0, 1] are the same data as uint8 pixels / 255.
        c = xbarsim.evaluate(arch, model, dataset=(images / np.float32(255), labels),
                             calibration=calib, seed=2)
        self.assertEqual(a["accuracy_float"], c["accuracy_float"])
        with self.assertRaises(xbarsim.ShapeError):
            xbarsim.evaluate(arch, model, dataset=(images, labels[:10]))

    def test_estimate_energy_returns_the_cli_energy_fields(self):
        arch = xbarsim.Arch("reram")
        py = xbarsim.estimate_energy(arch, workload="fmnist_cnn", batch=4)
        cli = cli_json("energy", "reram", "--workload", "fmnist_cnn", "--batch", "4")
        self.assertEqual(stable(py), stable(cli))
        per_component = sum(py["breakdown"]["analog"]["energy_j_by_component"].values())
        self.assertAlmostEqual(per_component, py["energy_j_analog"],
                               delta=1e-12 * py["energy_j_analog"])
        with self.assertRaises(xbarsim.ConfigError):
            xbarsim.estimate_energy(arch)

    def test_sweep_runs_a_quick_study(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "run")
            spec = os.path.join(SOURCE, "experiments", "energy_compare", "experiment.yaml")
            r = xbarsim.sweep(spec, out, quick=True)
            self.assertTrue(r["complete"])
            self.assertEqual(r["computed"], r["tasks"])
            self.assertTrue(os.path.isfile(r["results_h5"]))

    def test_long_calls_release_the_gil(self):
        # With the GIL held no Python code runs while the call is inside C++: a thread that
        # timestamps its loop would record nothing strictly inside the call.
        stamps, stop = [], threading.Event()

        def ticker():
            while not stop.is_set():
                stamps.append(time.monotonic())
                time.sleep(0.001)

        t = threading.Thread(target=ticker)
        t.start()
        time.sleep(0.05)
        start = time.monotonic()
        xbarsim.evaluate(xbarsim.Arch("reram"), os.path.join(MODELS, "fmnist_cnn.h5"),
                         limit=400, threads=1)
        end = time.monotonic()
        stop.set()
        t.join()
        self.assertGreater(end - start, 0.3, "the call is too short to tell")
        inside = [s for s in stamps if start + 0.1 < s < end - 0.1]
        self.assertGreater(len(inside), 10)


def torch_model_from_file(kind: str):
    """The shipped model `fmnist_<kind>.h5` as the PyTorch module it was exported from."""
    import h5py
    import torch
    sys.path.insert(0, MODELS)
    import train_fmnist
    f = h5py.File(os.path.join(MODELS, f"fmnist_{kind}.h5"), "r")
    model = train_fmnist.BUILDERS[kind]()
    state = {}
    for key in f["layers"]:
        g = f["layers"][key]
        name = g.attrs["name"].decode()
        layer_type = g.attrs["type"].decode()
        if layer_type in ("conv2d", "dense"):
            state[f"{name}.weight"] = torch.from_numpy(g["weight"][()])
            state[f"{name}.bias"] = torch.from_numpy(g["bias"][()])
        elif layer_type == "batchnorm":
            for ours, theirs in (("gamma", "weight"), ("beta", "bias"),
                                 ("running_mean", "running_mean"),
                                 ("running_var", "running_var")):
                state[f"{name}.{theirs}"] = torch.from_numpy(g[ours][()])
    missing, unexpected = model.load_state_dict(state, strict=False)
    # Only batch-norm counters may be missing: every weight must come from the file.
    assert all(k.endswith("num_batches_tracked") for k in missing), missing
    assert not unexpected, unexpected
    return model.eval(), float(f.attrs["input_mean"]), float(f.attrs["input_std"])


class TorchConvert(unittest.TestCase):
    """Both shipped models: the CNN (convolutions, folded batch norm) and the MLP."""

    @classmethod
    def setUpClass(cls):
        import torch
        cls.torch = torch
        images = read_idx(os.path.join(FMNIST, "t10k-images-idx3-ubyte.gz"))[:500]
        cls.labels = read_idx(os.path.join(FMNIST, "t10k-labels-idx1-ubyte.gz"))[:500]
        cls.models = {}
        for kind in ("cnn", "mlp"):
            model, mean, std = torch_model_from_file(kind)
            x = (images.astype(np.float32) / np.float32(255) - np.float32(mean)) / np.float32(std)
            cls.models[kind] = (model, mean, std, torch.from_numpy(x[:, None, :, :].copy()))

    def convert(self, kind, arch, seed=1):
        from xbarsim.torch import convert
        model, mean, std, _ = self.models[kind]
        return convert(model, xbarsim.Arch(arch), input_mean=mean, input_std=std,
                       num_classes=10, seed=seed, threads=1)

    def test_ideal_equals_torch(self):
        for kind in ("cnn", "mlp"):
            model, _, _, x = self.models[kind]
            analog = self.convert(kind, "ideal")
            with self.torch.no_grad():
                ref = model(x[:100])
                got = analog(x[:100])
            self.assertLess(float((got - ref).abs().max()), 1e-4, kind)
            self.assertEqual(type(analog.fc1).__name__, "AnalogLinear")
        self.assertEqual(type(self.convert("cnn", "ideal").conv1).__name__, "AnalogConv2d")

    def test_noisy_accuracy_equals_xbarsim_eval(self):
        for kind in ("cnn", "mlp"):
            _, _, _, x = self.models[kind]
            analog = self.convert(kind, "reram", seed=3)
            correct = 0
            with self.torch.no_grad():
                for b0 in range(0, 500, 250):  # eval's --batch 250
                    pred = analog(x[b0:b0 + 250]).argmax(1).numpy()
                    correct += int((pred == self.labels[b0:b0 + 250]).sum())
            cli = cli_json("eval", "reram", "--model", os.path.join(MODELS, f"fmnist_{kind}.h5"),
                           "--limit", "500", "--batch", "250", "--seed", "3", "--threads", "1")
            self.assertEqual(correct / 500, cli["accuracy_analog_trials"][0], kind)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
