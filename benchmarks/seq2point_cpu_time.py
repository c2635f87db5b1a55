"""Seq2Point inference speed-up by CPU time, for a loaded machine: fully convolutional against
window by window at the UCI test length at 1 min (18,183 samples), one torch thread.

``bench_seq2point.py`` times the same two paths by wall clock, which on a machine shared by many
jobs measures the scheduler as much as the code; this script takes the thread's CPU time
(``time.thread_time``, best of the repeats) instead, so the ratio is that of the work done. The
networks are randomly initialised with a fixed seed and the input is simulated noise (the cost
does not depend on either); the maximum difference between the two outputs is printed beside.

    .venv/bin/python benchmarks/seq2point_cpu_time.py
"""

from __future__ import annotations

import os
import time

import numpy as np

N = 18_183
WINDOW = 61
#: the peers harness's network (benchmarks/peers/run_nilm.py) and the module's default
NETS = {"harness": ((16, 16, 24, 32, 32), 128), "default": ((30, 30, 40, 50, 50), 256)}


def _best_cpu_s(repeat: int, f, *args) -> float:
    times = []
    for _ in range(repeat):
        t = time.thread_time()
        f(*args)
        times.append(time.thread_time() - t)
    return min(times)


def main() -> None:
    import torch

    from nilm.disaggregate.seq2point import (
        PAPER_KERNELS,
        Seq2Point,
        convolutional_output,
        windowed_output,
    )
    from nilm.series import Grid

    print(f"load average before: {os.getloadavg()}")
    print("| network | windowed samples/s (CPU) | convolutional samples/s (CPU) | ratio | "
          "max |difference| |")
    print("|---|---|---|---|---|")
    for name, (filters, hidden) in NETS.items():
        rng = np.random.default_rng(0)
        mains = rng.normal(500, 200, 300)
        grid = Grid(0, 60.0, mains, (mains * 0.3)[None], ["water_heater"])
        net = Seq2Point(window=WINDOW, filters=filters, kernels=PAPER_KERNELS, hidden=hidden,
                        epochs=1, device="cpu", threads=1, seed=0).fit(grid).nets_[0]
        torch.set_num_threads(1)
        z = rng.normal(0, 1, N).astype(np.float32)
        zp = np.concatenate([np.zeros(WINDOW // 2, np.float32), z,
                             np.zeros(WINDOW // 2, np.float32)])
        windows = torch.from_numpy(zp).unfold(0, WINDOW, 1)
        idx = np.arange(N)
        diff = float(np.abs(convolutional_output(net, z, WINDOW)
                            - windowed_output(net, windows, idx, "cpu")).max())
        tw = _best_cpu_s(3, windowed_output, net, windows, idx, "cpu")
        tc = _best_cpu_s(5, convolutional_output, net, z, WINDOW)
        print(f"| {name} | {N / tw:,.0f} | {N / tc:,.0f} | {tw / tc:.2f}× | {diff:.1e} |")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
