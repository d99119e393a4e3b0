"""4DVarNet's layers on NEMO grid edges: east-west seam and north fold in the prior's
convolutions, their hand-written adjoint and the ConvLSTM's upsampling."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nemoml.assimilate.fourdvarnet.layers import BilinAE, ConvLstmGrad, PaddedConv
from nemoml.assimilate.fourdvarnet.multivariate import StateNet, StateSolverConfig
from nemoml.grid.padding import Boundaries

from ...grid.test_padding import NX, NY, folded_field

EDGES = [(True, 0), (True, 1), (True, 2), (False, 1), (False, 0)]


def _smooth(channels=2):
    i = np.arange(NX)
    j = np.arange(NY)[:, None]
    x = np.stack([np.cos(2 * np.pi * (i + c) / NX) * (1 + 0.1 * j) for c in range(channels)])
    return torch.tensor(x)[None]


@pytest.mark.parametrize("periodic, fold", EDGES)
def test_prior_adjoint_matches_autograd_on_every_edge(periodic, fold):
    torch.manual_seed(0)
    prior = BilinAE(2, 3, False, periodic, fold).double()
    x = torch.randn(1, 2, NY, NX, dtype=torch.float64, requires_grad=True)
    phi, vjp = prior.value_and_vjp(x)
    (auto,) = torch.autograd.grad(prior(x), x, (x - phi).detach())
    assert torch.allclose(vjp, auto, atol=1e-12)


@pytest.mark.parametrize("periodic", [True, False])
def test_prior_and_lstm_do_not_see_the_seam_only_when_periodic(periodic):
    """Rolling a field continuous across the seam by the pooling stride rolls the output."""
    torch.manual_seed(1)
    prior = BilinAE(2, 3, False, periodic).double()
    lstm = ConvLstmGrad(2, 3, False, periodic, 2, wrap_upsample=True).double()
    torch.nn.init.normal_(lstm.out.weight, std=0.3)
    x = _smooth()
    h = torch.zeros(1, 3, NY // 2, NX // 2, dtype=torch.float64)
    with torch.no_grad():
        outs = [prior(x), lstm(x, h, h)[0]]
        rolled = [prior(x.roll(2, -1)), lstm(x.roll(2, -1), h, h)[0]]
    for out, got in zip(outs, rolled, strict=True):
        assert torch.allclose(out.roll(2, -1), got, atol=1e-10) == periodic


def test_folded_prior_convolution_sees_the_rows_beyond_the_fold():
    torch.manual_seed(2)
    conv = PaddedConv(1, 3, False, True, fold=1).double()
    full = torch.tensor(folded_field(NY, NX, 1))[None, None]
    ext = F.pad(torch.cat([full[..., -1:], full, full[..., :1]], dim=-1), (0, 0, 1, 0))
    assert torch.allclose(conv(full[..., :NY, :]), F.conv2d(ext, conv.conv.weight,
                                                            conv.conv.bias))


def test_lstm_upsampling_continues_across_the_fold_and_the_seam():
    """The wrapped upsampling equals torch's on the coarse field continued one row past the
    fold and one column past each side of the seam (cropped back)."""
    ny, nx = NY // 2, NX // 2
    lstm = ConvLstmGrad(1, 1, False, True, 2, fold=1, wrap_upsample=True)
    coarse = torch.tensor(folded_field(ny, nx, 1))[None, None]
    ext = torch.cat([coarse[..., -1:], coarse, coarse[..., :1]], dim=-1)
    want = F.interpolate(ext, size=[2 * (ny + 1), 2 * (nx + 2)], mode="bilinear",
                         align_corners=False)[..., : NY, 2: 2 + NX]
    assert torch.allclose(lstm._upsample(coarse[..., :ny, :], [NY, NX]), want)


def test_scripted_solver_on_an_orca_like_grid_equals_eager():
    torch.manual_seed(3)
    cfg = StateSolverConfig(n_days=2, hidden_prior=3, hidden_lstm=3, n_step=2,
                            subspace_rank=0, lr_grad=0.1)
    net = StateNet(cfg, torch.ones(2, NY, NX), bounds=Boundaries(True, "T"))
    torch.nn.init.normal_(net.grad_mod.out.weight, std=0.1)
    x0, y = torch.randn(1, 4, NY, NX), torch.randn(1, 4, NY, NX)
    w = (torch.rand(1, 4, NY, NX) < 0.3).float()
    with torch.no_grad():
        assert torch.allclose(torch.jit.script(net)(x0, y, w), net(x0, y, w), atol=1e-6)
