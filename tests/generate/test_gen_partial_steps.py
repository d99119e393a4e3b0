"""3-D ``e3t_0`` (partial steps): level means and volumes weight each cell by its thickness."""

from __future__ import annotations

import netCDF4
import numpy as np
import torch

from nemoml.eos.density import Density
from nemoml.evaluate.card.physics import ReportCard
from nemoml.generate.constraints import Physics
from nemoml.generate.project import steric_ssh
from nemoml.grid.gridinfo import GridInfo
from nemoml.grid.layout import Layout

from .helpers import small_grid, stratified_states, write_mesh_mask

K, J, II = 3, 4, 5  # (k, j, i) of a bottom cell of the small grid's 4 wet levels


def _mesh(tmp_path, name: str, bottom: float | None):
    """The small grid's mesh mask with ``e3t_0``: the 1-D e3t everywhere, and one bottom
    cell ``bottom`` times as thick (a partial step) when given."""
    grid = small_grid()
    path = tmp_path / name
    write_mesh_mask(path, grid)
    e3t_0 = np.broadcast_to(grid.e3t[:, None, None], grid.shape).copy()
    if bottom is not None:
        e3t_0[K, J, II] *= bottom
    with netCDF4.Dataset(path, "a") as ds:
        ds.createVariable("e3t_0", "f8", ("time_counter", "nav_lev", "y", "x"))[:] = e3t_0[None]
    return GridInfo.from_mesh_mask(path)


def _c1(grid, fields):
    layout = Layout(grid, multiple=2)
    layout.fit(fields)
    with torch.no_grad():
        return Physics(layout, Density("eos80")).raw("c1", layout.encode(fields)).numpy()


def test_partial_step_weights_the_bottom_cell_by_its_thickness(tmp_path):
    full = _mesh(tmp_path, "full.nc", None)
    part = _mesh(tmp_path, "part.nc", 0.25)
    assert full.e3t_0 is None  # e3t_0 equal to the 1-D e3t is not kept
    assert part.e3t_0[K, J, II] == 0.25 * part.e3t[K] and part.tmask[K, J, II]
    back = GridInfo.from_json(part.to_json())
    np.testing.assert_array_equal(back.e3t_0, part.e3t_0)
    fields = stratified_states(full, 3, seed=1)
    got, ref = _c1(part, fields), _c1(full, fields)
    # level K's mean sigma0: the thin cell counts a quarter, by numpy
    sig = Density("eos80").sigma0(torch.as_tensor(fields["T"]), torch.as_tensor(fields["S"]))
    sig = sig.numpy()[:, K]
    w = part.tmask[K] * part.area * part.e3t_0[K]
    np.testing.assert_allclose(got[:, K], (sig * w).sum((1, 2)) / w.sum(), rtol=1e-9)
    assert np.abs(got[:, K] - ref[:, K]).max() > 1e-6
    np.testing.assert_array_equal(np.delete(got, K, 1), np.delete(ref, K, 1))
    # volumes of the report card and the steric SSH take the thin cell's thickness
    vol_part = ReportCard(part, "eos80").w_bw + ReportCard(part, "eos80").w_dw
    vol_full = ReportCard(full, "eos80").w_bw + ReportCard(full, "eos80").w_dw
    assert vol_part[K, J, II] == 0.25 * vol_full[K, J, II]
    lv = list(range(4))
    old = (fields["T"][:, lv], fields["S"][:, lv])
    new = (old[0] + 1.0 * (np.arange(4)[:, None, None] == K), old[1])
    ssh = np.zeros((3, *part.shape[1:]))
    d_part = steric_ssh(ssh, old, new, Density("eos80"), part, lv)
    d_full = steric_ssh(ssh, old, new, Density("eos80"), full, lv)
    assert not np.allclose(d_part, d_full)


def test_e3t_0_equal_to_the_1d_thickness_changes_nothing(tmp_path):
    """A mesh mask whose e3t_0 is e3t_1d on every column gives the 1-D grid's figures bit for
    bit."""
    same = _mesh(tmp_path, "same.nc", None)
    path = tmp_path / "bare.nc"
    write_mesh_mask(path, small_grid())
    bare = GridInfo.from_mesh_mask(path)
    fields = stratified_states(bare, 3, seed=2)
    np.testing.assert_array_equal(_c1(same, fields), _c1(bare, fields))
    np.testing.assert_array_equal(same.level_area([0, 2]), np.broadcast_to(bare.area, (2, 8, 10)))
