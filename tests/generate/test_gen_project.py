"""Convective adjustment removes inversions and conserves heat and salt."""

import numpy as np
import torch

from nemoml.generate.adjust import convective_adjustment
from nemoml.generate.density import Density

from .helpers import small_grid, stratified_states


def test_unstable_columns_are_mixed_conservatively():
    grid = small_grid()
    states = stratified_states(grid, 3, seed=2)
    states["T"][0, 1, 4, 4] = 30.0  # a warm blob under the surface: unstable above it
    states["T"][2, 3, 5, 6] = 25.0
    density = Density("eos80")
    out, passes = convective_adjustment(states, grid, density)
    with torch.no_grad():
        sig = density.sigma0(torch.as_tensor(out["T"]), torch.as_tensor(out["S"])).numpy()
    both = grid.tmask[:-1] & grid.tmask[1:]
    assert not ((sig[:, :-1] - sig[:, 1:] > 1e-10) & both).any()
    assert passes > 1
    vol = grid.e3t[:, None, None] * grid.tmask
    for var in ("T", "S"):  # column contents are unchanged
        np.testing.assert_allclose((out[var] * vol).sum(1), (states[var] * vol).sum(1),
                                   rtol=1e-12)
    # stable columns are untouched
    np.testing.assert_array_equal(out["T"][1], states["T"][1])
