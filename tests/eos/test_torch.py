"""torch EOS: agrees with the C kernels, autograd derivatives equal NEMO's alpha/beta."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nemoml.eos as eos
from nemoml.eos import EOS
from nemoml.eos import torch_eos as te

KINDS = ["teos10", "eos80", "seos"]


def _t(a, dtype=torch.float64, grad=False):
    return torch.tensor(np.asarray(a), dtype=dtype, requires_grad=grad)


@pytest.mark.parametrize("kind", KINDS)
def test_torch_matches_c(kind, ocean):
    S, T, z = (a[:5000] for a in ocean)
    e = EOS(kind)
    rd, rp = eos.insitu(T, S, z, e)
    trd, trp = te.insitu(_t(T), _t(S), _t(z), e)
    np.testing.assert_allclose(trd.numpy(), rd, rtol=0, atol=1e-14)
    np.testing.assert_allclose(trp.numpy(), rp, rtol=1e-14)
    a, b = eos.rab(T, S, z, e)
    ta, tb = te.rab(_t(T), _t(S), _t(z), e)
    np.testing.assert_allclose(ta.numpy(), a, rtol=1e-12)
    np.testing.assert_allclose(tb.numpy(), b, rtol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_autograd_equals_alpha_beta(kind, ocean):
    S, T, z = (a[:5000] for a in ocean)
    e = EOS(kind)
    tT, tS = _t(T, grad=True), _t(S, grad=True)
    te.rhd(tT, tS, _t(z), e).sum().backward()
    a, b = eos.rab(T, S, z, e)
    np.testing.assert_allclose(-tT.grad.numpy(), a, rtol=1e-8)
    np.testing.assert_allclose(tS.grad.numpy(), b, rtol=1e-8)


def test_gradcheck_and_f32():
    e = EOS("teos10")
    T = _t([2.0, 15.0, 28.0], grad=True)
    S = _t([34.0, 35.5, 37.0], grad=True)
    z = _t([3000.0, 500.0, 10.0])
    assert torch.autograd.gradcheck(lambda t, s: te.rhd(t, s, z, e), (T, S))
    r32 = te.rhop(T.detach().float(), S.detach().float(), z.float(), e)
    assert r32.dtype == torch.float32
    assert (r32.double() - te.rhop(T, S, z, e)).abs().max() < 1e-3


@pytest.mark.parametrize("kind", KINDS)
def test_bn2_torch_matches_c_and_penalty_has_finite_grads(kind, gyre):
    T, S, tmask, zt = gyre
    e = EOS(kind)
    wmask = tmask * np.concatenate([tmask[:1], tmask[:-1]])
    lev = (zt["gdept_1d"], zt["gdepw_1d"], zt["e3w_1d"])
    n2 = eos.bn2(T, S, *lev, wmask, e)
    tT = _t(T, grad=True)
    tn2 = te.bn2(tT, _t(S), *(_t(a) for a in lev), _t(wmask), e)
    np.testing.assert_allclose(tn2.detach().numpy(), n2, rtol=1e-10, atol=1e-17)
    torch.relu(-tn2).sum().backward()
    assert torch.isfinite(tT.grad).all()


def test_profiles_torch_matches_numpy(gyre):
    T, S, tmask, _ = gyre
    e = EOS("eos80")
    m1, d1 = eos.sigma0_profiles(T, S, tmask, e)
    m2, d2 = te.sigma0_profiles(_t(T), _t(S), _t(tmask), e)
    np.testing.assert_allclose(m2.numpy(), m1, rtol=1e-12)
    np.testing.assert_allclose(d2.numpy(), d1, rtol=1e-9, atol=1e-12)


def test_torch_bad_inputs():
    e = EOS("teos10")
    with pytest.raises(ValueError, match="shapes"):
        te.rhd(torch.zeros(3, 4), torch.zeros(3, 5), 0.0, e)
    with pytest.raises(TypeError):
        te.rhd(torch.zeros(3, dtype=torch.int64), torch.zeros(3), 0.0, e)
    with pytest.raises(ValueError, match="levels"):
        te.rhd(torch.zeros(2, 3, 4), torch.zeros(2, 3, 4), torch.zeros(5), e)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_fused_c_density_values_and_grads(kind, dtype, gyre):
    from nemoml.eos.torch_fused import fused_rhd, fused_sigma0

    T, S, tmask, zt = gyre
    e = EOS(kind)
    tT, tS = _t(T, dtype, grad=True), _t(S, dtype, grad=True)
    m, z = _t(tmask, dtype), _t(zt["gdept_1d"], dtype)
    f64 = dtype == torch.float64
    tol = 1e-8 if f64 else 1e-3  # gradients, relative to their largest value
    pairs = (  # values to within 1e-12 (f64) or 1e-3 kg m-3 (f32)
        (fused_rhd(tT, tS, z, e, m), te.rhd(tT, tS, z, e, m), 1e-12 if f64 else 1e-3 / 1026),
        (fused_sigma0(tT, tS, e, m), te.sigma0(tT, tS, 0.0, e, m), 1e-9 if f64 else 1e-3),
    )
    for fused, plain, atol in pairs:
        assert fused.dtype == dtype
        assert (fused - plain).abs().max() <= atol
        g_fused = torch.autograd.grad(fused.sum(), (tT, tS))
        g_plain = torch.autograd.grad(plain.sum(), (tT, tS))
        for a, b in zip(g_fused, g_plain, strict=True):
            assert (a - b).abs().max() <= tol * b.abs().max()
