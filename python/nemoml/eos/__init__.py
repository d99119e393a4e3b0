"""NEMO's sea-water equations of state (eosbn2): C/CUDA kernels, numpy API and torch autograd.

``EOS`` names the equation of state (``teos10``, ``eos80``, ``seos`` with NEMO's ``&nameos``
parameters). The numpy functions run NEMO's own arithmetic in C (bit-identical to NEMO's
Fortran in float64); :mod:`nemoml.eos.torch_eos` has the same functions on tensors with autograd,
and :class:`Density` binds one EOS to them for the model rooms.
"""

from nemoml.base.lazy import lazy_exports
from nemoml.eos.core import EOSRangeWarning, bn2, insitu, r0, rab, rhd, rhop, sigma0
from nemoml.eos.kernels import gpu_available
from nemoml.eos.params import EOS, GRAV, coefficients
from nemoml.eos.profiles import level_diff_means, level_means, sigma0_profiles

# torch-backed: loaded on first use
__getattr__, _lazy = lazy_exports(__name__, {"density": ("Density",)})
__all__ = [
    "EOS",
    "Density",
    "GRAV",
    "EOSRangeWarning",
    "bn2",
    "coefficients",
    "gpu_available",
    "insitu",
    "level_diff_means",
    "level_means",
    "r0",
    "rab",
    "rhd",
    "rhop",
    "sigma0",
    "sigma0_profiles",
]
