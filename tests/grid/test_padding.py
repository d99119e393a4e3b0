"""Convolution padding by the grid's edges: east-west seam and ORCA's north fold."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nemoml.generate.unet import UNet
from nemoml.grid import Grid
from nemoml.grid.padding import Boundaries, Conv2d, pad, wrap_of

NY, NX = 12, 16


def orca_like(ny=NY, nx=NX):
    """Longitudes closing the circle; latitudes bent near the top so that the top row reads the
    same backwards (i -> -i): a T-point fold."""
    i, j = np.meshgrid(np.arange(nx), np.arange(ny))
    glamt = 360.0 * i / nx - 180.0
    gphit = -70.0 + 150.0 * j / (ny - 1) + 5.0 * np.cos(2 * np.pi * i / nx) * (j / (ny - 1)) ** 4
    return glamt, gphit


def folded_field(ny, nx, extra):
    """A smooth field on rows 0..ny-1+extra, symmetric under the T fold about row ny-1."""
    i = np.arange(nx)
    a = np.sin(2 * np.pi * i / nx) + 0.3 * np.cos(4 * np.pi * i / nx + 0.5)
    a_mirror = a[(-i) % nx]
    j = np.arange(ny + extra)[:, None]
    b = np.exp(-((j - 3.0) / 4.0) ** 2) + 0.1 * j
    b_mirror = np.exp(-((2 * (ny - 1) - j - 3.0) / 4.0) ** 2) + 0.1 * (2 * (ny - 1) - j)
    return b * a + b_mirror * a_mirror


def test_periodic_padding_continues_across_the_seam():
    i = np.arange(-2, NX + 2)
    field = np.sin(2 * np.pi * i / NX)[None, :] * np.ones((NY, 1))
    x = torch.tensor(field[:, 2:-2])
    padded = pad(x, 2, periodic=True, fold=0)
    assert torch.allclose(padded[2:-2], torch.tensor(field))  # the wrapped columns
    assert (padded[:2] == 0).all() and (padded[-2:] == 0).all()  # closed south and north


@pytest.mark.parametrize("width", [1, 2])
def test_t_fold_padding_reads_the_rows_beyond_the_fold(width):
    full = folded_field(NY, NX, width)
    x = torch.tensor(full[:NY])
    padded = pad(x, width, periodic=True, fold=1)
    assert torch.allclose(padded[width + NY:, width:-width], torch.tensor(full[NY:]))
    assert (padded[:width] == 0).all()


def test_f_fold_padding_mirrors_the_top_row():
    x = torch.arange(NY * NX, dtype=torch.float64).reshape(NY, NX)
    padded = pad(x, 1, periodic=True, fold=2)
    assert torch.equal(padded[-1, 1:-1], x[-1].flip(0))


def test_folded_convolution_sees_the_true_neighbours():
    """The padded 3x3 convolution near the fold equals one on the field continued past it."""
    torch.manual_seed(0)
    conv = Conv2d(1, 3, 3, bounds=Boundaries(True, "T")).double()
    full = torch.tensor(folded_field(NY, NX, 1))[None, None]
    got = conv(full[..., :NY, :])
    ext = torch.cat([full[..., -1:], full, full[..., :1]], dim=-1)  # wrapped columns
    ext = F.pad(ext, (0, 0, 1, 0))  # closed south
    want = F.conv2d(ext, conv.weight, conv.bias)
    assert torch.allclose(got, want)


def _net(bounds, channels=2):
    torch.manual_seed(1)
    net = UNet(channels, base=8, mults=(1, 2), blocks=1, bounds=bounds)
    for p in (net.out.weight, net.out.bias, net.skip_gain.weight):  # zero-initialised
        torch.nn.init.normal_(p, std=0.3)
    return net.eval()


def _state(channels=2):
    i = np.arange(NX)
    j = np.arange(NY)[:, None]
    x = np.stack([np.cos(2 * np.pi * (i + c) / NX) * (1 + 0.1 * j) for c in range(channels)])
    return torch.tensor(x, dtype=torch.float32)[None]


@pytest.mark.parametrize("periodic, seamless", [(True, True), (False, False)])
def test_unet_output_does_not_see_the_seam(periodic, seamless):
    """A field continuous across the east-west seam: moving the seam (rolling the field by the
    UNet's stride) moves the output with it, only if the padding wraps."""
    net = _net(Boundaries(periodic=periodic))
    x = _state()
    mask = torch.ones(1, 2, NY, NX)
    t = torch.tensor([10])
    with torch.no_grad():
        y = net(x, t, mask)
        y_rolled = net(torch.roll(x, 2, dims=-1), t, mask)
    same = torch.allclose(torch.roll(y, 2, dims=-1), y_rolled, atol=1e-5)
    assert same == seamless


def test_scripted_unet_pads_as_eager():
    net = _net(Boundaries(True, "T"))
    x, mask, t = _state(), torch.ones(1, 2, NY, NX), torch.tensor([3])
    scripted = torch.jit.script(net)
    with torch.no_grad():
        assert torch.allclose(scripted(x, t, mask), net(x, t, mask))


def test_closed_unet_keeps_its_parameter_names():
    closed = UNet(2, base=8, mults=(1, 2))
    wrapped = UNet(2, base=8, mults=(1, 2), bounds=Boundaries(True, "T"))
    assert list(closed.state_dict()) == list(wrapped.state_dict())
    assert closed.inp.padding == (1, 1) and wrapped.inp.padding == (0, 0)


def test_boundaries_from_jperio_and_from_coordinates():
    assert Boundaries.from_jperio(4) == Boundaries(True, "T")
    assert Boundaries.from_jperio(6) == Boundaries(True, "F")
    assert Boundaries.from_jperio(0).closed
    with pytest.raises(ValueError, match="jperio = 9"):
        Boundaries.from_jperio(9)
    glamt, gphit = orca_like()
    assert wrap_of(glamt, gphit) == (True, "T")
    assert wrap_of(glamt[:, :-3], gphit[:, :-3]) == (False, "")  # not the whole circle
    tmask = np.ones((2, NY, NX), bool)
    grid = Grid.from_arrays(tmask, [5.0, 15.0], [10.0, 10.0], glamt=glamt, gphit=gphit)
    assert Boundaries.from_grid(grid) == Boundaries(True, "T")
    box = Grid.from_arrays(tmask, [5.0, 15.0], [10.0, 10.0], glamt=glamt / 100, gphit=gphit)
    assert Boundaries.from_grid(box).closed


def test_gyre_mesh_mask_is_closed():
    from nemoml.base.paths import package_subdir

    path = package_subdir("data") / "gyre" / "mesh_mask.nc"
    if not path.is_file():
        pytest.skip("no packaged GYRE mesh mask")
    assert Boundaries.from_grid(Grid.from_mesh_mask(path)).closed


@pytest.mark.parametrize("periodic, fold", [(False, 0), (True, 0), (True, 1), (True, 2),
                                            (False, 1)])
@pytest.mark.parametrize("width", [1, 2])
def test_pad_adjoint_is_the_transpose(periodic, fold, width):
    """<pad(x), g> == <x, pad_adjoint(g)>, and against autograd."""
    from nemoml.grid.padding import pad_adjoint

    gen = torch.Generator().manual_seed(3)
    x = torch.randn(2, NY, NX, generator=gen, dtype=torch.float64, requires_grad=True)
    y = pad(x, width, periodic, fold)
    g = torch.randn(y.shape, generator=gen, dtype=torch.float64)
    adj = pad_adjoint(g, width, periodic, fold)
    (auto,) = torch.autograd.grad(y, x, g)
    assert torch.allclose(adj, auto)
    assert torch.allclose((y * g).sum(), (x * adj).sum())
