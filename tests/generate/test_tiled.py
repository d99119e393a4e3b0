"""The tiled denoiser (generate/tiled.py): the full-field output tile by tile, seams
continuous, less device memory per tile, every grid edge (closed, periodic, north fold)."""


import pytest
import torch

from nemoml.base import packaged
from nemoml.generate import load_generator
from nemoml.generate.tiled import TiledUNet, peak_bytes, tile_generator
from nemoml.generate.unet import UNet
from nemoml.grid.padding import Boundaries

PACKAGED = packaged.GENERATOR
EDGES = [Boundaries(), Boundaries(periodic=True), Boundaries(True, "T"), Boundaries(True, "F"),
         Boundaries(False, "T")]


def _net(channels, bounds=None, base=8, seed=0):
    """A UNet with every weight random (the trained output layer is not zero)."""
    torch.manual_seed(seed)
    net = UNet(channels, base=base, mults=(1, 2, 2), blocks=1, bounds=bounds).eval()
    with torch.no_grad():
        for p in net.parameters():
            p.normal_(0, 0.3)
    return net


def _inputs(channels, h, w, seed=1):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(2, channels, h, w, generator=g)
    mask = (torch.rand(1, channels, h, w, generator=g) > 0.2).float()
    return x, torch.tensor([600, 30]), mask


@pytest.mark.parametrize("bounds", EDGES, ids=lambda b: f"periodic={b.periodic},fold={b.fold}")
def test_tiles_give_the_full_field_output(bounds):
    # 24 x 40 in 8 x 12 tiles: a partial last column of tiles, seams across the east-west
    # wrap and under the fold rows
    net = _net(6, bounds)
    x, t, mask = _inputs(6, 24, 40)
    with torch.no_grad():
        full = net(x, t, mask)
    tiled = TiledUNet(net, (8, 12), bounds)
    out = tiled(x, t, mask)
    assert tiled.tiles_last == 12
    assert torch.allclose(out, full, rtol=0, atol=2e-6 * float(full.abs().max()))


def _seam_jump(y, cols):
    """Mean |east - west| neighbour difference across the given column seams."""
    return torch.stack([(y[..., c] - y[..., c - 1]).abs().mean() for c in cols]).mean()


def test_seams_are_continuous_where_independent_tiles_jump():
    bounds = Boundaries(periodic=True)
    net = _net(6, bounds)
    x, t, mask = _inputs(6, 24, 48)
    mask = torch.ones_like(mask)
    with torch.no_grad():
        full = net(x, t, mask)
        # each 24 x 16 tile with an 8-cell halo run through the whole network on its own
        # (its own GroupNorm statistics, zero padding beyond the halo), the core kept
        xp = torch.cat([x[..., -8:], x, x[..., :8]], dim=-1)
        alone = torch.cat([_net(6, None)(xp[..., c: c + 32], t, mask[..., :32])[..., 8:24]
                           for c in (0, 16, 32)], dim=-1)
    tiled = TiledUNet(net, (24, 16), bounds)(x, t, mask)
    seams = (16, 32)
    reference = _seam_jump(full, seams)
    assert abs(_seam_jump(tiled, seams) - reference) < 1e-5 * reference
    assert float((tiled - full)[..., [15, 16, 31, 32]].abs().max()) < 1e-5 * float(
        full.abs().max())
    # what the exact statistics buy: tiles on their own disagree with the field at the seams
    assert float((alone - full)[..., [15, 16, 31, 32]].abs().max()) > 0.01 * float(
        full.abs().max())


def test_a_tile_needs_less_device_memory_than_the_field():
    net = _net(20, base=16)
    x, t, mask = _inputs(20, 64, 96)
    with torch.no_grad():
        full, full_peak = peak_bytes(lambda: net(x.clone(), t, mask))
    tiled = TiledUNet(net, 32, meter=True)
    out = tiled(x, t, mask)
    assert torch.allclose(out, full, rtol=0, atol=2e-6 * float(full.abs().max()))
    assert tiled.tiles_last == 6
    # measured: 0.67 MB per tile against 4.3 MB for the whole field (6 tiles)
    assert 0 < tiled.peak < full_peak / 3, (tiled.peak, full_peak)
    # the input alone is 0.5 MB: the full-field count is not an artefact of the meter
    assert full_peak > 4 * x[:1].numel() * x.element_size()


def test_tile_sides_must_line_up_at_every_resolution():
    with pytest.raises(ValueError, match="multiples of 4"):
        TiledUNet(_net(2), 6)


def test_the_packaged_generator_samples_the_same_states_tiled():
    plain = load_generator(PACKAGED)
    tiled = tile_generator(load_generator(PACKAGED), 12)  # 24 x 32 in 2 x 3 tiles
    a = plain.sample(1, seed=3, steps=3)
    b = tiled.sample(1, seed=3, steps=3)
    assert isinstance(tiled.net, TiledUNet) and tiled.net.tiles_last == 6
    for var in ("T", "S", "SSH"):
        scale = float(abs(a[var]).max())
        assert abs(a[var] - b[var]).max() < 1e-4 * scale, var


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_tiles_on_the_gpu_match_and_use_less_of_it():
    net = _net(20, base=16).cuda()
    x, t, mask = _inputs(20, 64, 96)
    with torch.no_grad():
        full, full_peak = peak_bytes(lambda: net(x.cuda(), t.cuda(), mask.cuda()), "cuda")
    out, tile_peak = peak_bytes(lambda: TiledUNet(net, 32)(x, t, mask), "cuda")
    assert out.device.type == "cpu"  # the field stays on the host
    assert torch.allclose(out, full.cpu(), rtol=0, atol=1e-4 * float(full.abs().max()))
    assert tile_peak < full_peak / 3
