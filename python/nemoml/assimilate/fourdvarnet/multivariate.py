"""The 3D multivariate 4DVarNet: T and S on every ocean level plus SSH over a window.

Channels follow the generator's layout (:class:`nemoml.grid.layout.Layout`: per-level
normalisation, land zeroed, padding to a multiple of 2), one block per day: channel
``day * per_day + c``. The cost per window is

``J(x) = sum w o (x - y)^2 + w_prior ||x - phi(x)||^2``

with ``w = floor^2 / (sigma^2 + floor^2)`` where a cell is observed (``sigma``: the error std
of the cell's mean observation in normalised units, ``floor`` a representativity floor), 0
elsewhere, so each variable is weighted by its own observations and noise. The prior ``phi``
(bilinear auto-encoder) and the ConvLSTM solver are ``layers``' modules, padded by the grid's
own edges (``grid.padding.Boundaries``: walls, east-west periodicity, north fold; GYRE is
closed); every gradient and update is multiplied by the ocean mask, so land stays 0.
The solver starts from the background trajectory ``x0``. Its first step (``subspace_rank`` > 0)
is the exact analysis in the span of the training truth's leading EOFs
(:class:`~nemoml.assimilate.fourdvarnet.subspace.SubspaceStep`); the ConvLSTM iterations then
refine it in the full space. The LSTM sees the gradient divided by a fixed scale
(``grad_scale``, the RMS cost gradient after the first step on training windows, set by
:meth:`StateNet.calibrate`),
not by the window's own first gradient: a per-window normalisation amplifies the steps when
the background is already close to the truth, which made the cycled solver diverge.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import Tensor, nn

from nemoml.assimilate.fourdvarnet.layers import BilinAE, ConvLstmGrad
from nemoml.grid.layout import Layout
from nemoml.grid.padding import FOLDS, Boundaries


@dataclass(frozen=True)
class StateSolverConfig:
    n_days: int = 10
    hidden_prior: int = 16
    hidden_lstm: int = 16
    n_step: int = 6
    lstm_downsample: int = 2
    lr_grad: float = 0.0
    obs_floor: float = 0.1
    w_prior: float = 1.0
    subspace_rank: int = 16

    def to_dict(self) -> dict:
        return asdict(self)


class _NoStep(nn.Module):
    """The first step when there is none (``subspace_rank`` 0): the background as it is."""

    def forward(self, x0: Tensor, y: Tensor, w: Tensor) -> Tensor:
        return x0


class StateNet(nn.Module):
    """4DVarNet on (batch, n_days * per_day, H, W) normalised windows."""

    def __init__(self, cfg: StateSolverConfig, ocean: Tensor, first: nn.Module | None = None,
                 bounds: Boundaries | None = None):
        """``ocean``: (per_day, H, W) 0/1 mask of one day's channels; ``first``: the first step
        (a :class:`SubspaceStep` when ``cfg.subspace_rank`` > 0); ``bounds``: the grid's edges
        (closed by default)."""
        super().__init__()
        if cfg.subspace_rank > 0 and first is None:
            raise ValueError(f"subspace_rank {cfg.subspace_rank} needs its fitted first step "
                             "(train3d.Experiment.subspace)")
        self.cfg = cfg
        c = cfg.n_days * ocean.shape[0]
        self.register_buffer("ocean", ocean.to(torch.float32).repeat(cfg.n_days, 1, 1)[None])
        self.register_buffer("grad_scale", torch.ones(1))
        self.first = first if first is not None else _NoStep()
        bounds = bounds or Boundaries()
        fold = FOLDS[bounds.fold]
        self.prior = BilinAE(c, cfg.hidden_prior, False, bounds.periodic, fold)
        self.grad_mod = ConvLstmGrad(c, cfg.hidden_lstm, False, bounds.periodic,
                                     cfg.lstm_downsample, fold, wrap_upsample=True)
        nn.init.zeros_(self.grad_mod.out.weight)  # starts as the first step's analysis
        nn.init.zeros_(self.grad_mod.out.bias)
        self.n_step = cfg.n_step
        self.lr_grad = nn.Parameter(torch.tensor(float(cfg.lr_grad)))
        self.w_prior = cfg.w_prior
        self.hidden = cfg.hidden_lstm
        self.downsample = cfg.lstm_downsample

    def cost(self, x: Tensor, y: Tensor, w: Tensor) -> Tensor:
        prior = ((x - self.prior(x)) ** 2 * self.ocean).flatten(1).sum(1)
        return (w * (x - y) ** 2).flatten(1).sum(1) + self.w_prior * prior

    def cost_grad(self, x: Tensor, y: Tensor, w: Tensor) -> Tensor:
        phi, jt_r = self.prior.value_and_vjp(x)
        return (2.0 * w * (x - y) + 2.0 * self.w_prior * (x - phi - jt_r)) * self.ocean

    @torch.no_grad()
    def calibrate(self, x0: Tensor, y: Tensor, w: Tensor) -> float:
        """Set ``grad_scale`` to the RMS cost gradient after the first step on these windows."""
        g = self.cost_grad(self.first(x0 * self.ocean, y, w) * self.ocean, y, w)
        scale = float(torch.sqrt((g**2).mean()).clamp_min(1e-12))
        self.grad_scale.fill_(scale)
        return scale

    def forward(self, x0: Tensor, y: Tensor, w: Tensor) -> Tensor:
        x = self.first(x0 * self.ocean, y, w) * self.ocean
        b, _, ny, nx = x.shape
        d = self.downsample
        h = torch.zeros(b, self.hidden, ny // d, nx // d, dtype=x.dtype, device=x.device)
        c = torch.zeros_like(h)
        for k in range(self.n_step):
            g = self.cost_grad(x, y, w)
            upd, h, c = self.grad_mod(g / self.grad_scale, h, c)
            x = x - (upd / (k + 1) + self.lr_grad * (k + 1) / self.n_step * g) * self.ocean
        return x


class Codec:
    """Physical windows <-> normalised solver tensors on one layout (T, S, SSH)."""

    def __init__(self, layout: Layout, n_days: int, obs_floor: float):
        self.layout = layout
        self.n_days = n_days
        self.floor = obs_floor
        self.per_day = layout.channels

    def _raw(self, fields: dict) -> np.ndarray:
        """(n, per_day, H, W) raw channels, padded, no normalisation."""
        lay = self.layout
        n = np.asarray(fields["T"]).shape[0]
        out = np.zeros((n, lay.channels, lay.height, lay.width))
        for var in lay.variables:
            a = np.asarray(fields[var], dtype=np.float64)
            a = a.reshape(n, 1, lay.ny, lay.nx) if var == "SSH" else a[:, lay.levels]
            out[:, lay.slices[var], : lay.ny, : lay.nx] = a
        return out

    def encode_state(self, window: dict, where: str = "background") -> Tensor:
        """(1, n_days * per_day, H, W) from a window {T, S: (n_days, z, y, x), SSH}."""
        return self.layout.encode(window, where).reshape(1, -1, self.layout.height,
                                                         self.layout.width)

    def encode_obs(self, binned) -> tuple[Tensor, Tensor]:
        """Normalised obs ``y`` and weights ``w`` from a window's :class:`Binned`."""
        lay = self.layout
        vals = {v: binned.value[v] for v in lay.variables}
        count = self._raw({v: binned.count[v] for v in lay.variables})
        var = self._raw({v: binned.noise_var[v] for v in lay.variables})
        y = lay.encode({v: (a[:, 0] if v == "SSH" else a) for v, a in vals.items()}, "obs")
        sig2 = var / lay.std[None, :, None, None] ** 2
        w = np.where(count > 0, self.floor**2 / (sig2 + self.floor**2), 0.0) * lay.mask[None]
        shape = (1, -1, lay.height, lay.width)
        return y.reshape(shape) * torch.from_numpy(w > 0).reshape(shape), \
            torch.from_numpy(w.astype(np.float32)).reshape(shape)

    def decode(self, x: Tensor) -> dict:
        """{T, S: (n_days, z, y, x), SSH: (n_days, y, x)} physical, land 0."""
        return self.layout.decode(x.reshape(self.n_days, self.per_day, self.layout.height,
                                            self.layout.width))
