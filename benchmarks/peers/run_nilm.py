"""Run one nilm disaggregator on a benchmark input: the twin of ``run_nilmtk.py``.

Same input ``.npz``, same output JSON/``.npz`` layout, one fresh process per algorithm. Numba
kernels are compiled (or loaded from their on-disk cache) by a warm-up fit/predict on the first
``min(n, 2000)`` samples before the clock starts; its time is reported as ``warmup_s`` so the
one-off JIT cost stays visible without being charged to every call.

Usage: ``python run_nilm.py {Mean,CO,FHMM,Hart85,Seq2Point} input.npz out_stem``
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import time

# stdlib-only helpers shared with the other side (the script's folder is on sys.path)
from peak_memory import peak_mb, reset_peak, rss_mb  # noqa: E402

#: benchmark name -> (module, class names tried in order), so the harness follows renames
ALGOS = {
    "Mean": ("nilm.disaggregate.mean", ("Mean",)),
    "CO": ("nilm.disaggregate.co", ("CO", "CombinatorialOptimisation")),
    "FHMM": ("nilm.disaggregate.fhmm", ("FHMM", "FHMMExact")),
    "Hart85": ("nilm.disaggregate.edges", ("Hart85", "Hart", "EdgeDetection")),
    "Seq2Point": ("nilm.disaggregate.seq2point", ("Seq2Point",)),
}


def model_class(algo: str):
    """The nilm class behind a benchmark name; ImportError when it is not written yet."""
    module, names = ALGOS[algo]
    mod = importlib.import_module(module)
    for n in names:
        if hasattr(mod, n):
            return getattr(mod, n)
    raise ImportError(f"{module} has none of {names}")


def make_model(algo: str, data):
    import inspect

    cls = model_class(algo)
    params = {"seed": 0}
    sig = inspect.signature(cls.__init__).parameters
    # FHMM must use the same number of states per appliance as NILMTK's FHMMExact
    for key in ("n_states", "num_states", "states"):
        if algo == "FHMM" and key in sig:
            params[key] = int(data["fhmm_states"])
    if algo == "Seq2Point":
        # narrower than the paper's (30, 30, 40, 50, 50) / 1024 so that a month at 1 min trains
        # in minutes on one shared CPU core; see docs/benchmarks.md
        params.update(filters=(16, 16, 24, 32, 32), hidden=128, batch_size=512, epochs=6,
                      patience=2, device="cpu", threads=1)
    return cls(**{k: v for k, v in params.items() if k in sig})


def main(algo: str, inp: str, out_stem: str) -> None:
    import numpy as np

    from nilm.series import Grid

    with np.load(inp) as z:
        data = {k: z[k] for k in z.files}
    names = [str(n) for n in data["names"]]
    period = float(data["period"])
    train = Grid(int(data["train_t"][0]), period, data["train_mains"], data["train_apps"], names)
    test_x = data["test_mains"].astype(np.float32)

    warmup = 0.0
    if algo != "Seq2Point":  # torch has no JIT step to hide; a warm-up would be a full training
        w = min(len(test_x), len(data["train_mains"]), 2000)
        t0 = time.perf_counter()
        make_model(algo, data).fit(train.slice(0, w)).predict(test_x[:w])
        warmup = time.perf_counter() - t0

    model = make_model(algo, data)
    peak_all = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    base = rss_mb()
    reset_peak()
    t0 = time.perf_counter()
    model.fit(train)
    t1 = time.perf_counter()
    pred = model.predict(test_x)
    t2 = time.perf_counter()
    peak = peak_mb()

    np.savez(out_stem + ".npz", pred=np.asarray(pred, dtype=np.float32))
    n = len(test_x)
    result = {"side": "nilm", "algo": algo, "class": type(model).__name__,
              "params": {k: repr(v) for k, v in model.get_params().items()},
              "n_train": len(train), "n_test": n, "warmup_s": warmup,
              "train_s": t1 - t0, "disaggregate_s": t2 - t1,
              "throughput_sps": n / max(t2 - t1, 1e-9),
              "end_to_end_sps": n / max(t2 - t0, 1e-9), "peak_rss_mb": max(peak, peak_all),
              "base_rss_mb": base, "algo_peak_mb": max(peak - base, 0.0)}
    with open(out_stem + ".json.tmp", "w") as f:
        json.dump(result, f)
    os.replace(out_stem + ".json.tmp", out_stem + ".json")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
