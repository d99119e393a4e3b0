"""How NEMO fields become UNet channels: level selection, land masking, per-level normalisation
and padding, and back."""

from __future__ import annotations

import numpy as np
import torch

from nemoml.grid import Grid
from nemoml.grid.gridinfo import GridInfo
from nemoml.grid.padding import Boundaries

VARS_3D = ("T", "S", "U", "V")
# smallest standard deviation used for normalising a level: deep GYRE salinity varies by
# ~3e-6 psu, i.e. float32 rounding, which must not be amplified into a unit-variance signal
STD_FLOOR = {"T": 1e-3, "S": 1e-4, "SSH": 1e-3, "U": 1e-4, "V": 1e-4}


class Layout:
    """Channel layout of a state on one grid.

    Parameters
    ----------
    grid : GridInfo
        The model grid.
    variables : sequence of str
        Subset of ``T``, ``S``, ``SSH``, ``U``, ``V`` (T and S are required).
    levels : sequence of int, optional
        Model levels carried as channels; default every level with an ocean point.
    multiple : int
        The padded grid is divisible by this (``2 ** (number of UNet stages - 1)``).
    """

    def __init__(self, grid: GridInfo, variables=("T", "S", "SSH"), levels=None, multiple=4):
        if "T" not in variables or "S" not in variables:
            raise ValueError("the generator needs at least T and S")
        unknown = set(variables) - set(VARS_3D) - {"SSH"}
        if unknown:
            raise ValueError(f"unknown variables {sorted(unknown)}")
        self.grid = grid
        self.variables = tuple(v for v in ("T", "S", "SSH", "U", "V") if v in variables)
        nz, ny, nx = grid.shape
        ocean_levels = [k for k in range(nz) if grid.tmask[k].any()]
        self.levels = list(levels) if levels is not None else ocean_levels
        if any(k < 0 or k >= nz for k in self.levels):
            raise ValueError(f"levels {self.levels} outside the grid's {nz} levels")
        self.multiple = multiple
        self.ny, self.nx = ny, nx
        self.height = -(-ny // multiple) * multiple
        self.width = -(-nx // multiple) * multiple
        masks = {"T": grid.tmask, "S": grid.tmask, "U": grid.umask, "V": grid.vmask}
        blocks, self.slices, names = [], {}, []
        for var in self.variables:
            start = len(names)
            if var == "SSH":
                blocks.append(grid.tmask[:1])
                names.append("SSH")
            else:
                blocks.append(masks[var][self.levels])
                names += [f"{var}{k}" for k in self.levels]
            self.slices[var] = slice(start, len(names))
        self.channel_names = names
        mask = np.zeros((len(names), self.height, self.width), bool)
        mask[:, :ny, :nx] = np.concatenate(blocks, 0)
        self.mask = mask
        self.mean = np.zeros(len(names))
        self.std = np.ones(len(names))

    @property
    def channels(self) -> int:
        return len(self.channel_names)

    def mask_tensor(self, device="cpu", dtype=torch.float32) -> torch.Tensor:
        return torch.as_tensor(self.mask, device=device).to(dtype)[None]

    def edges(self, mesh_mask) -> Boundaries:
        """The mesh mask's edges (``jperio`` or its own wrap) for convolutions on this layout;
        a wrapped edge must not carry the layout's land padding, which would sit in the seam."""
        bounds = Boundaries.from_grid(Grid.from_mesh_mask(mesh_mask))
        nz, ny, nx = self.grid.shape
        if (bounds.periodic and self.width != nx) or (bounds.fold and self.height != ny):
            raise ValueError(f"{mesh_mask}: a periodic or folded {nx}x{ny} grid must be "
                             f"divisible by {self.multiple} along its wrapped edges (the "
                             "networks pool by 2)")
        return bounds

    # -- statistics --------------------------------------------------------------------------
    def _stack(self, fields: dict) -> np.ndarray:
        """(n, C, ny, nx) raw physical channels."""
        parts = []
        for var in self.variables:
            arr = np.asarray(fields[var], dtype=np.float64)
            parts.append(arr[:, None] if var == "SSH" else arr[:, self.levels])
        return np.concatenate(parts, 1)

    def fit(self, fields) -> None:
        """Per-channel mean and standard deviation over the ocean points of all states.

        ``fields`` is one dict of (n, ...) arrays or an iterable of such dicts (batches of
        states): the moments are combined batch by batch in float64 (Chan et al. 1979), so
        only one batch is held at a time.
        """
        count = np.zeros(self.channels)
        mean = np.zeros(self.channels)
        m2 = np.zeros(self.channels)
        m = self.mask[:, : self.ny, : self.nx]
        for batch in [fields] if isinstance(fields, dict) else fields:
            raw = self._stack(batch)
            for c in range(self.channels):
                vals = raw[:, c][:, m[c]]
                if vals.size == 0:
                    continue
                mu = vals.mean()
                n_b, delta = vals.size, mu - mean[c]
                total = count[c] + n_b
                m2[c] += ((vals - mu) ** 2).sum() + delta ** 2 * count[c] * n_b / total
                mean[c] += delta * n_b / total
                count[c] = total
        for c, name in enumerate(self.channel_names):
            if count[c] == 0:
                continue
            floor = STD_FLOOR[name.rstrip("0123456789")]
            self.mean[c] = mean[c]
            self.std[c] = max(np.sqrt(m2[c] / count[c]), floor)

    # -- conversion --------------------------------------------------------------------------
    def encode(self, fields: dict, where: str = "states", dtype=np.float32) -> torch.Tensor:
        """Normalised, land-zeroed, padded (n, C, H, W) tensor."""
        self.check(fields, where)
        raw = self._stack(fields)
        out = np.zeros((raw.shape[0], self.channels, self.height, self.width), dtype)
        norm = (raw - self.mean[None, :, None, None]) / self.std[None, :, None, None]
        out[:, :, : self.ny, : self.nx] = norm
        return torch.from_numpy(out * self.mask[None])

    def decode(self, x: torch.Tensor) -> dict:
        """Physical fields in NEMO (n, z, y, x) layout; land and unmodelled levels are 0."""
        x = x.detach().to(torch.float64).cpu().numpy()[:, :, : self.ny, : self.nx]
        m = self.mask[None, :, : self.ny, : self.nx]
        phys = (x * self.std[None, :, None, None] + self.mean[None, :, None, None]) * m
        n = phys.shape[0]
        nz = self.grid.shape[0]
        out = {}
        for var in self.variables:
            block = phys[:, self.slices[var]]
            if var == "SSH":
                out[var] = block[:, 0]
            else:
                full = np.zeros((n, nz, self.ny, self.nx))
                full[:, self.levels] = block
                out[var] = full
        return out

    def check(self, fields: dict, where: str, first: int = 0) -> None:
        """Shapes, finiteness and land/ocean consistency of incoming fields; ``first``: the
        position of their first state in its set (a set checked chunk by chunk), for the
        message."""
        nz = self.grid.shape[0]
        for var in self.variables:
            if var not in fields:
                raise KeyError(f"{where}: variable {var} is missing")
            arr = np.asarray(fields[var])
            want = (self.ny, self.nx) if var == "SSH" else (nz, self.ny, self.nx)
            if arr.ndim != len(want) + 1 or arr.shape[1:] != want:
                raise ValueError(
                    f"{where}: {var} has shape {arr.shape[1:]} per state, the model grid needs "
                    f"{want} ({nz} levels)"
                )
            sl = self.slices[var]
            m = self.mask[sl, : self.ny, : self.nx]
            vals = arr[:, None] if var == "SSH" else arr[:, self.levels]
            bad = ~np.isfinite(vals) & m[None]
            if bad.any():
                i = first + int(np.argwhere(bad)[0][0])
                raise ValueError(f"{where}: {var} has NaN/inf at ocean points (state {i})")

    # -- metadata ----------------------------------------------------------------------------
    def to_json(self) -> dict:
        return {
            "variables": list(self.variables), "levels": self.levels,
            "multiple": self.multiple, "channel_names": self.channel_names,
            "mean": self.mean.tolist(), "std": self.std.tolist(),
            "padded_shape": [self.height, self.width],
        }

    @classmethod
    def from_json(cls, d: dict, grid: GridInfo) -> Layout:
        layout = cls(grid, d["variables"], d["levels"], d["multiple"])
        layout.mean = np.array(d["mean"])
        layout.std = np.array(d["std"])
        return layout
