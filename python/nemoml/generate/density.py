"""Differentiable sea-water density with the model's own EOS, for constraints and the report card.

``nemoml.eos.torch_eos`` is used when it is installed; otherwise the NEMO eosbn2 polynomial is
evaluated here from the same coefficient tables (``_eos_tables``), so the generator works on its
own. Both give ``rhop`` (surface-referenced potential density, kg m-3) and the in-situ ``rho``
at a given depth exactly as NEMO's ``eos_insitu_pot``/``eos_insitu`` (r0 profile omitted).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import torch

from nemoml.generate import _eos_tables as tables

RHO0 = 1026.0
GRAV = 9.80665
EOS_NAMES = ("eos80", "teos10", "seos")


def _split(coeffs: dict[str, float]) -> dict[int, list[tuple[int, int, float]]]:
    by_k: dict[int, list[tuple[int, int, float]]] = {}
    for name, value in coeffs.items():
        i, j, k = (int(c) for c in name[3:6])
        by_k.setdefault(k, []).append((i, j, value))
    return by_k


@dataclass
class Density:
    """Density of sea water for one NEMO ``&nameos`` choice.

    Parameters
    ----------
    eos : str
        ``"eos80"`` (potential temperature, practical salinity), ``"teos10"`` (CT, SA) or
        ``"seos"`` (simplified EOS with ``params`` from ``&nameos``).
    params : dict
        S-EOS parameters (``rn_a0``, ``rn_b0``, ...); defaults are NEMO's namelist_ref values.
    """

    eos: str = "eos80"
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.eos = self.eos.lower().replace("-", "")
        if self.eos not in EOS_NAMES:
            raise ValueError(f"unknown EOS {self.eos!r}; choose one of {EOS_NAMES}")
        self.params = {**tables.SEOS_NAMELIST_REF, **self.params} if self.eos == "seos" else {}
        if self.eos != "seos":
            self._norm = tables.EOS80_NORM if self.eos == "eos80" else tables.TEOS10_NORM
            self._coeffs = _split(tables.EOS80 if self.eos == "eos80" else tables.TEOS10)
        self._external = self._load_external()

    def _load_external(self):
        """The density room's torch EOS when present (it has the same NEMO definitions)."""
        try:
            module = importlib.import_module("nemoml.eos.torch_eos")
            eos_cls = importlib.import_module("nemoml.eos").EOS
        except (ImportError, AttributeError):
            return None
        try:
            eos = eos_cls(self.eos, **{k.removeprefix("rn_"): v for k, v in self.params.items()})
            temp = torch.tensor([3.0, 25.0, -1.0], dtype=torch.float64)
            sal = torch.tensor([35.5, 37.0, 34.0], dtype=torch.float64)
            theirs = module.sigma0(temp, sal, torch.zeros_like(temp), eos)
        except Exception:  # noqa: BLE001 - an incompatible EOS API falls back to our tables
            return None
        # only delegate when both implement the same NEMO definition
        ours = self._seos(temp, sal, 0.0) if self.eos == "seos" else self._rhop_table(temp, sal)
        if not torch.allclose(theirs.to(torch.float64), ours - 1000.0, rtol=0, atol=1e-9):
            return None
        return module, eos

    # -- polynomial -------------------------------------------------------------------------
    def _poly(self, temp: torch.Tensor, sal: torch.Tensor, depth, kmax: int) -> torch.Tensor:
        n = self._norm
        zt = temp * n["r1_T0"]
        zs = torch.sqrt(torch.abs(sal + n["rdeltaS"]) * n["r1_S0"])
        # powers once, then one multiply-add per coefficient (eager torch pays per op)
        pt, ps = [torch.ones_like(zt), zt], [torch.ones_like(zs), zs]
        for _ in range(5):
            pt.append(pt[-1] * zt)
            ps.append(ps[-1] * zs)
        out = None
        for k in range(kmax, -1, -1):
            pk = None
            for i, j, c in self._coeffs[k]:
                term = c * (ps[i] * pt[j]) if i and j else c * (ps[i] if i else pt[j])
                pk = term if pk is None else pk + term
            out = pk if out is None else out * (depth * n["r1_Z0"]) + pk
        return out

    def _seos(self, temp, sal, depth) -> torch.Tensor:
        p = self.params
        zt = temp - p["rn_T0"]
        zs = sal - p["rn_S0"]
        anomaly = (
            -p["rn_a0"] * (1 + 0.5 * p["rn_lambda1"] * zt + p["rn_mu1"] * depth) * zt
            + p["rn_b0"] * (1 - 0.5 * p["rn_lambda2"] * zs - p["rn_mu2"] * depth) * zs
            - p["rn_nu"] * zt * zs
        )
        return RHO0 + anomaly

    def _rhop_table(self, temp: torch.Tensor, sal: torch.Tensor) -> torch.Tensor:
        return self._poly(temp, sal, 0.0, 0)

    def rhop(self, temp: torch.Tensor, sal: torch.Tensor) -> torch.Tensor:
        """Surface-referenced potential density (NEMO ``rhop``), kg m-3."""
        return self.sigma0(temp, sal) + 1000.0

    def sigma0(self, temp: torch.Tensor, sal: torch.Tensor) -> torch.Tensor:
        """``rhop - 1000``; for S-EOS NEMO's ``rhop`` is ``rho0 + anomaly``."""
        if self._external is not None:
            module, eos = self._external
            return module.sigma0(temp, sal, torch.zeros_like(temp), eos)
        if self.eos == "seos":
            return self._seos(temp, sal, 0.0) - 1000.0
        return self._rhop_table(temp, sal) - 1000.0

    def rho(self, temp: torch.Tensor, sal: torch.Tensor, depth) -> torch.Tensor:
        """NEMO's in-situ density ``zn`` at ``depth`` metres (r0 omitted, as NEMO does)."""
        if self._external is not None:
            module, eos = self._external
            depth = torch.as_tensor(depth, dtype=temp.dtype).expand_as(temp)
            return (module.rhd(temp, sal, depth, eos) + 1.0) * eos.rho0
        if self.eos == "seos":
            return self._seos(temp, sal, depth)
        return self._poly(temp, sal, depth, 3)

    def n2(self, temp: torch.Tensor, sal: torch.Tensor, gdepw, e3w) -> torch.Tensor:
        """Brunt-Vaisala frequency squared on interior w-levels, shape (..., z-1, y, x).

        Both parcels of each interface are taken to the interface depth ``gdepw[k]`` and
        compared there (local potential density), so the sign is that of NEMO's ``bn2``.
        """
        dep = torch.as_tensor(gdepw[1:], dtype=temp.dtype, device=temp.device)[:, None, None]
        e3 = torch.as_tensor(e3w[1:], dtype=temp.dtype, device=temp.device)[:, None, None]
        upper = self.rho(temp[..., :-1, :, :], sal[..., :-1, :, :], dep)
        lower = self.rho(temp[..., 1:, :, :], sal[..., 1:, :, :], dep)
        return GRAV / RHO0 * (lower - upper) / e3
