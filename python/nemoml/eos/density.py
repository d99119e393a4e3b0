"""Differentiable sea-water density with the model's own EOS, for constraints and the report card.

A thin adapter over the density room (``nemoml.eos.EOS`` and the autograd ``nemoml.eos.torch_eos``)
that the generator's metadata can name: ``rhop``/``sigma0`` (surface-referenced potential
density) and the in-situ ``rho`` at a depth exactly as NEMO's ``eos_insitu_pot``/``eos_insitu``
(r0 profile omitted), plus the locally referenced density step and N² on w-levels, the
static-stability judge of the constraints, the final projection and the report card.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from nemoml.eos import EOS, torch_eos

RHO0 = 1026.0
GRAV = 9.80665
EOS_NAMES = ("eos80", "teos10", "seos")


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
        if self.eos != "seos":
            self.params = {}
        self._eos = EOS(self.eos, **{k.removeprefix("rn_"): v for k, v in self.params.items()})

    def rhop(self, temp: torch.Tensor, sal: torch.Tensor) -> torch.Tensor:
        """Surface-referenced potential density (NEMO ``rhop``), kg m-3."""
        return self.sigma0(temp, sal) + 1000.0

    def sigma0(self, temp: torch.Tensor, sal: torch.Tensor) -> torch.Tensor:
        """``rhop - 1000``; for S-EOS NEMO's ``rhop`` is ``rho0 + anomaly``."""
        return torch_eos.sigma0(temp, sal, torch.zeros_like(temp), self._eos)

    def rho(self, temp: torch.Tensor, sal: torch.Tensor, depth) -> torch.Tensor:
        """NEMO's in-situ density ``zn`` at ``depth`` metres (r0 omitted, as NEMO does)."""
        depth = torch.as_tensor(depth, dtype=temp.dtype, device=temp.device).expand_as(temp)
        return (torch_eos.rhd(temp, sal, depth, self._eos) + 1.0) * self._eos.rho0

    def alpha(self, temp: torch.Tensor, sal: torch.Tensor, depth) -> torch.Tensor:
        """Thermal expansion coefficient (NEMO ``rab_3d``'s alpha), 1/K, at ``depth`` metres."""
        depth = torch.as_tensor(depth, dtype=temp.dtype, device=temp.device).expand_as(temp)
        return torch_eos.rab(temp, sal, depth, self._eos)[0]

    def local_step(self, temp: torch.Tensor, sal: torch.Tensor, dep_w) -> torch.Tensor:
        """Locally referenced density step of each interface (kg m-3): the lower cell's in-situ
        density minus the upper cell's, both taken to the interface depth ``dep_w`` (one per
        interface, broadcastable to (z-1, y, x)); levels on axis -3, shape (..., z-1, y, x).

        Its sign is that of N² (NEMO's ``bn2``): negative means statically unstable. Unlike a
        sigma0 step it stays positive where cold water lies under warmer, saltier water that is
        lighter only at the surface (thermobaricity).
        """
        dep = torch.as_tensor(dep_w, dtype=temp.dtype, device=temp.device)
        if dep.ndim == 1:
            dep = dep[:, None, None]
        upper = self.rho(temp[..., :-1, :, :], sal[..., :-1, :, :], dep)
        lower = self.rho(temp[..., 1:, :, :], sal[..., 1:, :, :], dep)
        return lower - upper

    def n2(self, temp: torch.Tensor, sal: torch.Tensor, gdepw, e3w) -> torch.Tensor:
        """Brunt-Vaisala frequency squared on interior w-levels, shape (..., z-1, y, x):
        ``g / rho0 * local_step / e3w`` at the interface depths ``gdepw[1:]``."""
        e3 = torch.as_tensor(e3w[1:], dtype=temp.dtype, device=temp.device)[:, None, None]
        return GRAV / RHO0 * self.local_step(temp, sal, gdepw[1:]) / e3
