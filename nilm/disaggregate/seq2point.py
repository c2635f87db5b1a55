"""Sequence-to-point disaggregation with a small 1-D convolutional network.

Implements Zhang, Zhong, Wang, Goddard & Sutton (2018), "Sequence-to-point learning with neural
networks for non-intrusive load monitoring", AAAI-18: a window of mains power is mapped to the
power of one appliance at the window's **midpoint**. As in the paper there is **one network per
appliance** (no shared trunk): appliances differ in time scale and in how rare they are, and a
shared loss would let the frequent ones dominate the rare ones.

Architecture (the paper's, narrowed for CPU training on month-long data): five 1-D convolutions
with 30, 30, 40, 50, 50 filters of widths 10, 8, 6, 5, 5, stride 1, ``same`` padding and ReLU, then
a dense layer (``hidden`` units, ReLU; the paper uses 1024) and one linear output. Mains and
targets are standardised with training statistics (the paper's normalisation) and the loss is the
mean squared error. Early stopping watches the **last** ``val_fraction`` of the training period, a
contiguous block in time, so that overlapping windows cannot leak validation samples into training.

Torch is an optional dependency (``pip install nilm[torch]``): it is imported inside the functions
that need it, so ``import nilm`` works without it.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import numpy as np

from ..atomic import atomic_path
from ..series import Grid
from .base import Disaggregator

#: conv filters and widths of Zhang et al. (2018), Fig. 2
PAPER_FILTERS = (30, 30, 40, 50, 50)
PAPER_KERNELS = (10, 8, 6, 5, 5)


def default_window(period_s: float) -> int:
    """Default window length in samples (odd, so the midpoint is a sample) for a period.

    The window should cover one operating cycle of the slow appliances plus some context, while
    the number of windows (= samples) stays large compared with the number of weights:

    ============  =======  ==============  ===================================================
    period        samples  span            why
    ============  =======  ==============  ===================================================
    <= 10 s       99       ~3-16 min       kettle, microwave, a fridge compressor start; the
                                           paper's 599 x 8 s is too slow to train on 2 cores
    <= 60 s       61       1 h             one fridge cycle, one water-heater heating run
    <= 15 min     31       5 h / 7.75 h    a washing or dishwasher cycle with its context
    <= 60 min     15       7.5 h / 15 h    a night's off-peak heating; a month is only 1440
                                           half-hours, so a wider dense layer would overfit
    > 60 min      7        a week of days  weekly routine
    ============  =======  ==============  ===================================================

    Parameters
    ----------
    period_s : float, sampling period in seconds.
    """
    if not period_s > 0:
        raise ValueError(f"period must be positive, got {period_s}")
    for limit, n in ((10.0, 99), (60.0, 61), (900.0, 31), (3600.0, 15)):
        if period_s <= limit:
            return n
    return 7


def _resolve_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


@contextlib.contextmanager
def _torch_state(seed: int, threads: int):
    """Seeded, deterministic torch for the duration of a fit/predict, leaving the caller's global
    RNG, thread count and determinism flag as they were."""
    import torch

    prev_threads = torch.get_num_threads()
    prev_det = torch.are_deterministic_algorithms_enabled()
    prev_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    # warn_only: a CUDA op without a deterministic kernel must not abort a GPU run; CPU ops used
    # here all have deterministic kernels
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.set_num_threads(threads)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            yield
    finally:
        torch.set_num_threads(prev_threads)
        torch.use_deterministic_algorithms(prev_det, warn_only=prev_warn)


def _build_net(window: int, filters, kernels, hidden: int):
    import torch

    layers = []
    c_in = 1
    for c_out, k in zip(filters, kernels, strict=True):
        # explicit "same" padding (Keras/PyTorch split: the extra zero goes right): torch's
        # padding="same" copies the input, with a warning, for the paper's even widths
        left = (int(k) - 1) // 2
        layers += [torch.nn.ConstantPad1d((left, int(k) - 1 - left), 0.0),
                   torch.nn.Conv1d(c_in, c_out, int(k)), torch.nn.ReLU()]
        c_in = c_out
    layers += [torch.nn.Flatten(), torch.nn.Linear(c_in * window, hidden), torch.nn.ReLU(),
               torch.nn.Linear(hidden, 1)]
    return torch.nn.Sequential(*layers)


class Seq2Point(Disaggregator):
    """Sequence-to-point CNN (Zhang et al., 2018), one network per appliance.

    Parameters
    ----------
    window : int or None, window length in samples (odd); ``None`` = :func:`default_window` of the
        training period.
    filters, kernels : conv filters and widths (samples) per layer; default the paper's.
    hidden : int, units of the dense layer (paper: 1024).
    epochs : int, maximum passes over the training windows.
    batch_size : int, windows per gradient step.
    lr : float, Adam learning rate.
    patience : int, epochs without validation improvement before stopping; the best epoch's
        weights are kept.
    val_fraction : float in [0, 0.5), last fraction of the valid training samples (in time) used
        for early stopping; 0 trains for ``epochs`` without validation.
    device : ``"auto"`` (CUDA when present, else CPU), ``"cpu"`` or ``"cuda"``.
    threads : int, CPU threads torch may use (fixed so results do not depend on the machine).
    seed : int, seeds weight initialisation and batch order.
    progress : bool, show a tqdm bar per appliance.

    Attributes
    ----------
    names_, period_ : appliances and period (s) learned from.
    window_ : int, window length used.
    mains_mean_, mains_std_ : float, training mains statistics (W).
    target_mean_, target_std_ : float64 [k], training statistics of each appliance (W).
    epochs_ : list of int, epochs kept (best validation) per appliance.
    history_ : list of dict, ``{"train": [...], "val": [...]}`` standardised MSE per epoch.
    nets_ : list of torch modules (in eval mode, on ``device``).
    """

    def __init__(self, window: int | None = None, filters=PAPER_FILTERS, kernels=PAPER_KERNELS,
                 hidden: int = 256, epochs: int = 30, batch_size: int = 256, lr: float = 1e-3,
                 patience: int = 3, val_fraction: float = 0.15, device: str = "auto",
                 threads: int = 1, seed: int = 0, progress: bool = False):
        self.window = window
        self.filters = filters
        self.kernels = kernels
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.patience = patience
        self.val_fraction = val_fraction
        self.device = device
        self.threads = threads
        self.seed = seed
        self.progress = progress

    # -- windows ---------------------------------------------------------------------------
    def _padded(self, x: np.ndarray):
        """Standardised mains as a torch tensor padded by half a window on each side, so window
        ``i`` of ``tensor.unfold`` is centred on sample ``i``. Missing samples (NaN) and the
        padding are set to the training mean (0 after standardisation): the least informative
        value, which keeps the network's input distribution centred."""
        import torch

        z = (np.asarray(x, dtype=np.float64) - self.mains_mean_) / self.mains_std_
        z = np.where(np.isfinite(z), z, 0.0).astype(np.float32)
        h = self.window_ // 2
        z = np.concatenate([np.zeros(h, np.float32), z, np.zeros(h, np.float32)])
        return torch.from_numpy(z)

    # -- fit ---------------------------------------------------------------------------------
    def _fit(self, grid: Grid, ok: np.ndarray) -> None:
        import torch

        if not 0.0 <= self.val_fraction < 0.5:
            raise ValueError(f"val_fraction must be in [0, 0.5), got {self.val_fraction}")
        if len(self.filters) != len(self.kernels):
            raise ValueError("filters and kernels must have the same length")
        window = default_window(grid.period) if self.window is None else int(self.window)
        if window < 1 or window % 2 == 0:
            raise ValueError(f"window must be a positive odd number of samples, got {window}")
        self.window_ = window
        mains = grid.mains.astype(np.float64)
        self.mains_mean_ = float(np.mean(mains[ok]))
        self.mains_std_ = float(np.std(mains[ok])) or 1.0
        y = grid.appliances.astype(np.float64)
        self.target_mean_ = np.mean(y[:, ok], axis=1)
        self.target_std_ = np.std(y[:, ok], axis=1)
        self.target_std_[self.target_std_ == 0] = 1.0

        idx = np.flatnonzero(ok)
        n_val = int(round(self.val_fraction * len(idx)))
        if self.val_fraction > 0 and (n_val < 1 or len(idx) - n_val < 1):
            raise ValueError(f"{len(idx)} valid samples are too few for val_fraction="
                             f"{self.val_fraction}")
        train_idx, val_idx = idx[:len(idx) - n_val], idx[len(idx) - n_val:]
        device = _resolve_device(self.device)
        self.nets_, self.epochs_, self.history_ = [], [], []
        with _torch_state(self.seed, self.threads):
            windows = self._padded(mains).unfold(0, window, 1)  # view [n, window], no copy
            for k in range(len(grid.names)):
                target = torch.from_numpy(
                    ((y[k] - self.target_mean_[k]) / self.target_std_[k]).astype(np.float32))
                net, best_epoch, hist = self._train_one(windows, target, train_idx, val_idx,
                                                        device, grid.names[k])
                self.nets_.append(net)
                self.epochs_.append(best_epoch)
                self.history_.append(hist)

    def _train_one(self, windows, target, train_idx, val_idx, device, name):
        import torch
        from tqdm.auto import tqdm

        net = _build_net(self.window_, self.filters, self.kernels, self.hidden).to(device)
        opt = torch.optim.Adam(net.parameters(), lr=self.lr)
        # a private generator: batch order depends on the seed only, not on how many random
        # numbers weight initialisation drew
        gen = torch.Generator().manual_seed(self.seed)
        tr = torch.from_numpy(train_idx)
        hist = {"train": [], "val": []}
        best, best_state, best_epoch, stale = np.inf, None, 0, 0
        bar = tqdm(range(self.epochs), desc=f"seq2point {name}", disable=not self.progress,
                   leave=False)
        for epoch in bar:
            net.train()
            perm = tr[torch.randperm(len(tr), generator=gen)]
            total = 0.0
            for b in range(0, len(perm), self.batch_size):
                sel = perm[b:b + self.batch_size]
                xb = windows[sel].unsqueeze(1).to(device)
                yb = target[sel].to(device)
                opt.zero_grad()
                loss = torch.nn.functional.mse_loss(net(xb).squeeze(1), yb)
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(sel)
            hist["train"].append(total / len(perm))
            if len(val_idx) == 0:
                best_epoch = epoch + 1
                continue
            pred = self._forward(net, windows, val_idx, device)
            val = float(np.mean((pred - target.numpy()[val_idx]) ** 2))
            hist["val"].append(val)
            bar.set_postfix(val=f"{val:.4f}")
            if val < best:
                best, best_epoch, stale = val, epoch + 1, 0
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            else:
                stale += 1
                if stale >= self.patience:
                    break
        bar.close()
        if best_state is not None:
            net.load_state_dict(best_state)
        net.eval()
        return net, best_epoch, hist

    def _forward(self, net, windows, idx: np.ndarray, device) -> np.ndarray:
        """Standardised network output for the windows centred on ``idx``."""
        import torch

        net.eval()
        out = np.empty(len(idx), dtype=np.float32)
        step = max(self.batch_size, 4096)
        with torch.no_grad():
            for b in range(0, len(idx), step):
                sel = torch.from_numpy(np.asarray(idx[b:b + step]))
                out[b:b + step] = net(windows[sel].unsqueeze(1).to(device)).squeeze(1).cpu().numpy()
        return out

    # -- predict -----------------------------------------------------------------------------
    def _predict(self, x: np.ndarray, grid: Grid | None) -> np.ndarray:
        out = np.empty((len(self.names_), len(x)), dtype=np.float32)
        if len(x) == 0:
            return out
        device = _resolve_device(self.device)
        with _torch_state(self.seed, self.threads):
            windows = self._padded(x).unfold(0, self.window_, 1)
            idx = np.arange(len(x))
            for k, net in enumerate(self.nets_):
                net.to(device)
                z = self._forward(net, windows, idx, device).astype(np.float64)
                out[k] = z * self.target_std_[k] + self.target_mean_[k]
        return out

    # -- persistence -------------------------------------------------------------------------
    def save(self, path) -> None:
        """Write parameters, normalisation and weights to ``path`` (``.npz``), atomically.

        The file holds plain arrays and one JSON string (no pickle), so it can be read without
        torch and loaded safely from untrusted sources.
        """
        if not hasattr(self, "nets_"):
            raise RuntimeError("Seq2Point is not fitted")
        params = self.get_params()
        params["filters"], params["kernels"] = list(self.filters), list(self.kernels)
        meta = {"params": params, "names": self.names_, "period": self.period_,
                "window": self.window_, "mains_mean": self.mains_mean_,
                "mains_std": self.mains_std_, "epochs": self.epochs_, "history": self.history_,
                "format": "nilm.seq2point/1"}
        arrays = {"meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
                  "target_mean": self.target_mean_, "target_std": self.target_std_}
        for k, net in enumerate(self.nets_):
            for key, v in net.state_dict().items():
                arrays[f"net{k}/{key}"] = v.detach().cpu().numpy()
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.savez(f, **arrays)

    @classmethod
    def load(cls, path, device: str | None = None) -> Seq2Point:
        """A fitted model from a file written by :meth:`save` (``device`` overrides the saved
        one)."""
        import torch

        with np.load(Path(path)) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            if meta.get("format") != "nilm.seq2point/1":
                raise ValueError(f"{path}: not a nilm Seq2Point file")
            arrays = {k: z[k] for k in z.files}
        params = meta["params"]
        params["filters"], params["kernels"] = tuple(params["filters"]), tuple(params["kernels"])
        if device is not None:
            params["device"] = device
        model = cls(**params)
        model.names_, model.period_ = meta["names"], float(meta["period"])
        model.window_ = int(meta["window"])
        model.mains_mean_, model.mains_std_ = float(meta["mains_mean"]), float(meta["mains_std"])
        model.target_mean_, model.target_std_ = arrays["target_mean"], arrays["target_std"]
        model.epochs_, model.history_ = meta["epochs"], meta["history"]
        dev = _resolve_device(model.device)
        model.nets_ = []
        for k in range(len(model.names_)):
            net = _build_net(model.window_, model.filters, model.kernels, model.hidden)
            prefix = f"net{k}/"
            state = {key[len(prefix):]: torch.from_numpy(v) for key, v in arrays.items()
                     if key.startswith(prefix)}
            net.load_state_dict(state)
            model.nets_.append(net.to(dev).eval())
        return model
