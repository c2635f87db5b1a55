"""Run one NILMTK algorithm on a benchmark input and record time, memory and predictions.

Runs under the NILMTK virtualenv (``benchmarks/peers/.venv-nilmtk/bin/python``, made by
``install_nilmtk.sh``), one fresh process per algorithm so that the peak resident memory is that
algorithm's alone. It does not import nilm: inputs and outputs are plain ``.npz`` / JSON.

Input ``.npz`` (written by ``compare.py``): ``train_mains`` float32 [n_train] W,
``train_apps`` float32 [k, n_train] W, ``test_mains`` float32 [n_test] W, ``train_t`` and
``test_t`` int64 epoch s UTC, ``period`` float s, ``names`` str [k], ``fhmm_states`` int.

Output: ``<out>.json`` (train_s, disaggregate_s, throughput_sps = n_test / disaggregate_s,
end_to_end_sps, peak_rss_mb, base_rss_mb, algo_peak_mb) and ``<out>.npz`` (``pred`` float32
[k, n_test] in the input's appliance order).

Usage: ``python run_nilmtk.py {Mean,CO,FHMMExact,Hart85} input.npz out_stem``
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import warnings

# stdlib-only helpers shared with the other side (the script's folder is on sys.path)
from peak_memory import peak_mb, reset_peak, rss_mb  # noqa: E402


def restore_dataframe_append(pd) -> None:
    """NILMTK's Hart85 calls ``DataFrame.append``, removed in pandas 2.0; put back the exact
    equivalent (``pd.concat``) so the peer runs unchanged."""
    if hasattr(pd.DataFrame, "append"):
        return

    def append(self, other, ignore_index=False, verify_integrity=False, sort=False):
        if isinstance(other, (pd.Series, dict)):
            other = pd.DataFrame([other])
        return pd.concat([self, other], ignore_index=ignore_index,
                         verify_integrity=verify_integrity, sort=sort)

    pd.DataFrame.append = append


def frame(values, t, pd):
    """NILMTK's input layout: UTC DatetimeIndex, ('power', 'active') column."""
    idx = pd.DatetimeIndex(pd.to_datetime(t, unit="s", utc=True))
    cols = pd.MultiIndex.from_tuples([("power", "active")])
    return pd.DataFrame(values.astype("float64"), index=idx, columns=cols)


def main(algo: str, inp: str, out_stem: str) -> None:
    import numpy as np
    import pandas as pd

    warnings.filterwarnings("ignore")
    # NILMTK exposes no seed; its k-means (CO, Hart85) and hmmlearn fits (FHMMExact) draw from
    # numpy's global RNG, so seeding it makes the peer's numbers repeatable run to run
    np.random.seed(0)  # noqa: NPY002 - the peer reads the legacy global RNG
    restore_dataframe_append(pd)
    from nilmtk.disaggregate import CO, FHMMExact, Hart85, Mean

    with np.load(inp) as z:
        data = {k: z[k] for k in z.files}
    names = [str(n) for n in data["names"]]
    train_mains = [frame(data["train_mains"], data["train_t"], pd)]
    train_apps = [(n, [frame(data["train_apps"][i], data["train_t"], pd)])
                  for i, n in enumerate(names)]
    test_mains = [frame(data["test_mains"], data["test_t"], pd)]
    model = {"Mean": lambda: Mean({}), "CO": lambda: CO({}),
             "FHMMExact": lambda: FHMMExact({"num_of_states": int(data["fhmm_states"])}),
             "Hart85": lambda: Hart85({})}[algo]()
    peak_all = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    base = rss_mb()
    reset_peak()

    # NILMTK prints progress on stdout; keep the timing free of terminal I/O
    devnull = open(os.devnull, "w")
    real_stdout, sys.stdout = sys.stdout, devnull
    try:
        t0 = time.perf_counter()
        model.partial_fit(train_mains, train_apps)
        t1 = time.perf_counter()
        pred_df = model.disaggregate_chunk(test_mains)[0]
        t2 = time.perf_counter()
    finally:
        sys.stdout = real_stdout
        devnull.close()
    peak = peak_mb()

    n = len(data["test_mains"])
    pred = np.full((len(names), n), np.nan, dtype=np.float32)
    for i, name in enumerate(names):
        if name in pred_df.columns:
            col = np.asarray(pred_df[name], dtype=np.float64).reshape(-1)
            pred[i, :len(col)] = col[:n]
    np.savez(out_stem + ".npz", pred=pred)
    result = {"side": "nilmtk", "algo": algo, "n_train": len(data["train_mains"]), "n_test": n,
              "train_s": t1 - t0, "disaggregate_s": t2 - t1,
              "throughput_sps": n / max(t2 - t1, 1e-9),
              "end_to_end_sps": n / max(t2 - t0, 1e-9), "peak_rss_mb": max(peak, peak_all),
              "base_rss_mb": base, "algo_peak_mb": max(peak - base, 0.0),
              "pandas": pd.__version__, "numpy": np.__version__}
    with open(out_stem + ".json.tmp", "w") as f:
        json.dump(result, f)
    os.replace(out_stem + ".json.tmp", out_stem + ".json")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
