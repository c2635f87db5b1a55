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

Training runs window by window (batches of windows through the whole network). Prediction is
fully convolutional (:func:`convolutional_output`): each convolution runs once over the whole
series, the dense layer is a convolution, and only the boundary bands that the per-window zero
padding makes window-specific are computed per window, so the output equals the windowed
network's to float rounding (tested to 1e-5) at a fraction of the work.

Torch is an optional dependency (``pip install nilm[torch]``): it is imported inside the functions
that need it, so ``import nilm`` works without it.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import numpy as np

from ..atomic import atomic_path
from ..integrity import digest, verify
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


def resolve_device(device: str) -> str:
    """The torch device to run on: ``"auto"`` is CUDA when available, else CPU; ``"cuda"`` (or
    ``"cuda:N"``) without a usable CUDA device falls back to CPU with a warning saying so."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        import warnings

        warnings.warn(f"Seq2Point: device={device!r} requested but CUDA is not available "
                      f"(torch {torch.__version__}, built with CUDA "
                      f"{torch.version.cuda or 'none'}); running on the CPU",
                      RuntimeWarning, stacklevel=3)
        return "cpu"
    if device != "cpu" and not device.startswith("cuda"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda[:N]', got {device!r}")
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


#: windows per chunk of :func:`convolutional_output` at most (its working set then fits the
#: caches of one core: larger chunks measured slower)
CACHE_WINDOWS = 2048


def windowed_output(net, windows, idx: np.ndarray, device, batch: int = 4096) -> np.ndarray:
    """Standardised network output for the windows centred on ``idx``, one window at a time as
    in training (``windows``: ``[n, window]`` view of the padded series); float32 ``[len(idx)]``.
    The reference for :func:`convolutional_output`."""
    import torch

    net.eval()
    out = np.empty(len(idx), dtype=np.float32)
    with torch.no_grad():
        for b in range(0, len(idx), batch):
            sel = torch.from_numpy(np.asarray(idx[b:b + batch]))
            out[b:b + batch] = net(windows[sel].unsqueeze(1).to(device)).squeeze(1).cpu().numpy()
    return out


def _layers(net):
    import torch

    convs = [m for m in net if isinstance(m, torch.nn.Conv1d)]
    dense, last = [m for m in net if isinstance(m, torch.nn.Linear)]
    ks = [int(c.kernel_size[0]) for c in convs]
    left = [(k - 1) // 2 for k in ks]
    return convs, dense, last, ks, left, [k - 1 - a for k, a in zip(ks, left, strict=True)]


def convolutional_supported(net, window: int) -> bool:
    """Whether :func:`convolutional_output` applies: the window must hold the boundary bands of
    every layer and one shared position, ``window > sum(kernel widths - 1)`` (61 > 29 for the
    paper's network)."""
    _, _, _, ks, _, _ = _layers(net)
    return window > sum(k - 1 for k in ks)


def inference_bytes_per_sample(net, window: int) -> int:
    """Working memory (bytes) of :func:`convolutional_output` per output sample, as budgeted."""
    convs, dense, _, ks, left, right = _layers(net)
    lc = rc = 0
    floats = 0
    c_in = 1
    for conv, k, a, b in zip(convs, ks, left, right, strict=True):
        lc, rc = lc + a, rc + b
        # shared activations, band inputs (both sides) and band outputs
        floats += 2 * conv.out_channels + 2 * c_in * (k + lc + rc) + conv.out_channels * (lc + rc)
        c_in = conv.out_channels
    # the dense layer's input columns (im2col of its convolution) and its outputs
    floats += c_in * window + 3 * dense.out_features
    return 4 * floats


def convolutional_output(net, z: np.ndarray, window: int, device="cpu",
                         max_bytes: int = 1 << 28) -> np.ndarray:
    """Standardised network output for the window centred on every sample, computed with each
    convolution run once over the whole series (Long, Shelhamer & Darrell 2015, "Fully
    convolutional networks for semantic segmentation", CVPR) and the dense layer as a
    convolution; equal to :func:`windowed_output` up to float rounding.

    The windowed network pads every layer's input with zeros at the window's edges ("same"
    padding), so activations within ``L_l = sum_{j<=l} left_j`` positions of a window's left
    edge (``R_l`` of its right edge) depend on where the window starts; all other positions are
    shared by the windows that contain them. Per layer this computes the shared activations once
    over the series (a valid convolution), plus the two boundary bands of every window from the
    previous layer's bands and shared values (a batched convolution over ``L_l + R_l + k - 1``
    columns instead of the window's width). The dense layer is the sum of a convolution of the
    shared activations with its interior columns and two products with its band columns.
    Windows are processed in chunks of at most ``max_bytes`` of working memory.

    Parameters
    ----------
    net : the network of :func:`_build_net` (eval mode, on ``device``).
    z : float32 [n], standardised mains, missing samples already set to 0.
    window : int, odd window length (samples); see :func:`convolutional_supported`.
    device : torch device of ``net``.
    max_bytes : int, working-memory budget (:func:`inference_bytes_per_sample` per sample).

    Returns
    -------
    float32 [n].
    """
    import torch
    import torch.nn.functional as F

    convs, dense, last, ks, left, right = _layers(net)
    if not convolutional_supported(net, window):
        raise ValueError(f"window {window} is not wider than the network's boundary bands "
                         f"({sum(k - 1 for k in ks)} samples): use windowed_output")
    n = len(z)
    out = np.empty(n, dtype=np.float32)
    if n == 0:
        return out
    h = window // 2
    lcs = np.cumsum(left).tolist()
    rcs = np.cumsum(right).tolist()
    lc, rc = lcs[-1], rcs[-1]
    hidden = dense.out_features
    c_last = convs[-1].out_channels
    cl = torch.channels_last
    # every activation is stored channels-last ([windows, positions, channels] in memory, seen
    # by torch as [windows, channels, 1, positions]): oneDNN convolves that layout without the
    # reorders a channels-first tensor costs at each call, and a window's band columns are then
    # one contiguous block to copy (measured: 1.3x faster than channels-first convolutions)
    weights = [c.weight.unsqueeze(2).contiguous(memory_format=cl) for c in convs]
    wd = dense.weight.reshape(hidden, c_last, window)
    w_mid = wd[:, :, lc:window - rc].unsqueeze(2).contiguous(memory_format=cl)
    # the dense layer's band columns, ordered (position, channel) as the bands are stored
    w_left = wd[:, :, :lc].permute(0, 2, 1).reshape(hidden, -1).T
    w_right = wd[:, :, window - rc:].permute(0, 2, 1).reshape(hidden, -1).T
    zp = np.concatenate([np.zeros(h, np.float32), np.asarray(z, np.float32),
                         np.zeros(h, np.float32)])
    series = torch.from_numpy(zp).to(device)
    # the budget bounds a chunk; beyond CACHE_WINDOWS the working set leaves the caches and the
    # convolutions slow down (measured), so chunks are capped there too
    chunk = max(1, min(n, CACHE_WINDOWS, int(max_bytes) // inference_bytes_per_sample(net, window)))

    def conv(j, x):
        """Layer ``j`` (convolution and ReLU) of channels-last ``x`` [m, width, C]: [m,
        width - k + 1, C_out], channels-last."""
        y = F.conv2d(x.permute(0, 2, 1).unsqueeze(2), weights[j], convs[j].bias)
        return torch.relu_(y.squeeze(2).permute(0, 2, 1))

    with torch.inference_mode():
        for i0 in range(0, n, chunk):
            m = min(chunk, n - i0)
            f = series[i0:i0 + m + window - 1].reshape(1, -1, 1)  # shared activations
            band_l = band_r = None  # [m, L_l, C] and [m, R_l, C]
            for j in range(len(convs)):
                k, a, b = ks[j], left[j], right[j]
                c = f.shape[2]
                # the k - 1 shared values entering each band, [m, k - 1, C] views
                win = f[0].unfold(0, k - 1, 1).transpose(1, 2) if k > 1 else None
                if lcs[j]:
                    # the band's input columns side by side: zero padding, previous band,
                    # shared values
                    width = lcs[j] + k - 1
                    x = f.new_empty(m, width, c)
                    x[:, :a] = 0.0
                    if band_l is not None:
                        x[:, a:a + band_l.shape[1]] = band_l
                    if win is not None:
                        x[:, width - k + 1:] = win[:m]
                    band_l = conv(j, x)
                if rcs[j]:
                    start = window - rcs[j] - lcs[j]
                    width = rcs[j] + k - 1
                    x = f.new_empty(m, width, c)
                    if win is not None:
                        x[:, :k - 1] = win[start:start + m]
                    if band_r is not None:
                        x[:, k - 1:k - 1 + band_r.shape[1]] = band_r
                    x[:, width - b:] = 0.0
                    band_r = conv(j, x)
                f = conv(j, f)
            hid = torch.addmm(dense.bias, band_l.reshape(m, -1), w_left) if lc else \
                dense.bias.expand(m, hidden).clone()
            if rc:
                hid.addmm_(band_r.reshape(m, -1), w_right)
            hid += F.conv2d(f.permute(0, 2, 1).unsqueeze(2), w_mid)[0, :, 0].T
            out[i0:i0 + m] = last(torch.relu_(hid))[:, 0].cpu().numpy()
    return out


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
    device : ``"auto"`` (CUDA when present, else CPU), ``"cpu"`` or ``"cuda"`` (falls back to
        the CPU with a warning when CUDA is not available).
    threads : int, CPU threads torch may use (fixed so results do not depend on the machine).
    max_inference_bytes : int, working memory of :meth:`predict` (bytes): the series is run
        through the network in chunks of windows that fit (:func:`convolutional_output`).
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
                 threads: int = 1, max_inference_bytes: int = 1 << 28, seed: int = 0,
                 progress: bool = False):
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
        self.max_inference_bytes = max_inference_bytes
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
        device = resolve_device(self.device)
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
        return windowed_output(net, windows, idx, device, batch=max(self.batch_size, 4096))

    # -- predict -----------------------------------------------------------------------------
    def _predict(self, x: np.ndarray, grid: Grid | None) -> np.ndarray:
        """Every window at once by :func:`convolutional_output` (windowed when the window is
        not wider than the network's boundary bands)."""
        out = np.empty((len(self.names_), len(x)), dtype=np.float32)
        if len(x) == 0:
            return out
        device = resolve_device(self.device)
        with _torch_state(self.seed, self.threads):
            padded = self._padded(x)
            h = self.window_ // 2
            for k, net in enumerate(self.nets_):
                net.to(device).eval()
                if convolutional_supported(net, self.window_):
                    z = convolutional_output(net, padded[h:len(padded) - h].numpy(),
                                             self.window_, device, self.max_inference_bytes)
                else:
                    z = windowed_output(net, padded.unfold(0, self.window_, 1),
                                        np.arange(len(x)), device)
                out[k] = z.astype(np.float64) * self.target_std_[k] + self.target_mean_[k]
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
        arrays = {"target_mean": self.target_mean_, "target_std": self.target_std_}
        for k, net in enumerate(self.nets_):
            for key, v in net.state_dict().items():
                arrays[f"net{k}/{key}"] = v.detach().cpu().numpy()
        meta["sha256"] = {k: digest(v) for k, v in arrays.items()}  # checked by load
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.savez(f, **arrays)

    @classmethod
    def load(cls, path, device: str | None = None) -> Seq2Point:
        """A fitted model from a file written by :meth:`save` (``device`` overrides the saved
        one). Every array's SHA-256 is verified (:mod:`nilm.integrity`): a damaged file is a
        :class:`~nilm.errors.NilmDataError`."""
        import torch

        with np.load(Path(path)) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            if meta.get("format") != "nilm.seq2point/1":
                raise ValueError(f"{path}: not a nilm Seq2Point file")
            arrays = {k: z[k] for k in z.files}
        for k, want in meta.get("sha256", {}).items():
            verify(path, k, arrays.get(k, np.empty(0)), want)
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
        dev = resolve_device(model.device)
        model.nets_ = []
        for k in range(len(model.names_)):
            net = _build_net(model.window_, model.filters, model.kernels, model.hidden)
            prefix = f"net{k}/"
            state = {key[len(prefix):]: torch.from_numpy(v) for key, v in arrays.items()
                     if key.startswith(prefix)}
            net.load_state_dict(state)
            model.nets_.append(net.to(dev).eval())
        return model
