"""Test helpers: a small synthetic grid, exact Gaussian denoisers, posterior formulas."""

from __future__ import annotations

import math

import numpy as np
import torch

from nemoml.grid.gridinfo import GridInfo


def small_grid(nz: int = 5, ny: int = 8, nx: int = 10) -> GridInfo:
    """Closed basin: land walls, a land bottom level, a shallow shelf in one corner."""
    tmask = np.zeros((nz, ny, nx), bool)
    tmask[: nz - 1, 1:-1, 1:-1] = True
    tmask[2:, 1:3, 1:3] = False
    gdepw = np.concatenate([[0.0], np.cumsum(np.linspace(10, 200, nz))])[:nz]
    e3t = np.linspace(10, 200, nz)
    gdept = gdepw + 0.5 * e3t
    e3w = np.diff(np.concatenate([[0.0], gdept]))
    lat = np.linspace(15, 50, ny)[:, None] * np.ones((1, nx))
    return GridInfo(tmask=tmask, umask=tmask, vmask=tmask, gdept=gdept, gdepw=gdepw, e3t=e3t,
                    e3w=e3w, area=np.full((ny, nx), 1e10), lat=lat)


def stratified_states(grid: GridInfo, n: int, seed: int = 0) -> dict:
    """Stably stratified T/S with random anomalies, land = 0."""
    rng = np.random.default_rng(seed)
    nz, ny, nx = grid.shape
    z = grid.gdept[:, None, None]
    temp = 4 + 16 * np.exp(-z / 150) + 0.3 * rng.standard_normal((n, nz, ny, nx))
    sal = 35 + 0.5 * np.exp(-z / 300) + 0.02 * rng.standard_normal((n, nz, ny, nx))
    ssh = 0.1 * rng.standard_normal((n, ny, nx))
    m = grid.tmask
    return {"T": temp * m, "S": sal * m, "SSH": ssh * m[0]}


class GaussianDenoiser(torch.nn.Module):
    """Exact epsilon for normalised data x0 ~ N(0, I): eps = sqrt(1 - ab) x_t."""

    def __init__(self, alpha_bar: torch.Tensor):
        super().__init__()
        self.register_buffer("ab", alpha_bar.float())

    def forward(self, x, t, mask):
        return torch.sqrt(1 - self.ab[t]).view(-1, 1, 1, 1) * x * mask


def gaussian_posterior_step(x_t, x0, ab_t, ab_prev):
    """DDPM posterior mean and variance (Ho et al. 2020, eq. 7), written independently."""
    beta_t = 1 - ab_t / ab_prev
    coef0 = math.sqrt(ab_prev) * beta_t / (1 - ab_t)
    coeft = math.sqrt(1 - beta_t) * (1 - ab_prev) / (1 - ab_t)
    var = (1 - ab_prev) / (1 - ab_t) * beta_t
    return coef0 * x0 + coeft * x_t, var


def write_mesh_mask(path, grid: GridInfo, glamt: np.ndarray | None = None) -> None:
    """A NEMO-style mesh_mask.nc for ``grid`` (the variables the generator reads)."""
    import netCDF4

    nz, ny, nx = grid.shape
    with netCDF4.Dataset(path, "w") as ds:
        ds.createDimension("time_counter", None)
        ds.createDimension("nav_lev", nz)
        ds.createDimension("y", ny)
        ds.createDimension("x", nx)
        for name in ("tmask", "umask", "vmask"):
            ds.createVariable(name, "i1", ("time_counter", "nav_lev", "y", "x"))[:] = \
                getattr(grid, name)[None].astype(np.int8)
        for name, arr in (("gdept_1d", grid.gdept), ("gdepw_1d", grid.gdepw),
                          ("e3t_1d", grid.e3t), ("e3w_1d", grid.e3w)):
            ds.createVariable(name, "f8", ("time_counter", "nav_lev"))[:] = arr[None]
        for name, arr in (("e1t", np.sqrt(grid.area)), ("e2t", np.sqrt(grid.area)),
                          ("gphit", grid.lat)):
            ds.createVariable(name, "f8", ("time_counter", "y", "x"))[:] = arr[None]
        if glamt is not None:
            ds.createVariable("glamt", "f8", ("time_counter", "y", "x"))[:] = glamt[None]


def tiny_config(database, mesh_mask, out, **kw):
    from nemoml.generate.train import TrainConfig

    base = dict(database=str(database), mesh_mask=str(mesh_mask), out=str(out), base=8,
                mults=(1, 2), steps=3, batch=2, val_fraction=0.34, val_every=2, ckpt_every=2,
                pt2=False)
    base.update(kw)
    return TrainConfig(**base)
