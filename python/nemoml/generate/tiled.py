"""Tiled denoiser evaluation for grids whose activations do not fit one device.

The UNet's GroupNorm layers normalise over the whole field, so a tile run through the whole
network on its own (whatever its overlap) gives another answer than the full field. Here the
network is run layer by layer instead: every intermediate field lives whole on the host (the
input's device), and each layer is computed tile by tile on the compute device from the tile
plus a one-cell halo read from the host field padded by the grid's own boundaries
(``grid.padding``: zeros, east-west wrap, north fold). A GroupNorm takes two passes over the
tiles: per-tile sums and sums of squares (float64) added into the whole field's statistics,
then the normalisation applied tile by tile with those. The result is the full-field output up
to float32 rounding (``tests/generate/test_tiled.py``), tiles agree across every seam by
construction, and the compute device holds one layer of one tile (plus its halo) at a time.

The price is traffic: each layer's tile goes to the device and back, and the host holds the
whole field's activations (as the full-field forward does on the device). ``TiledUNet`` mirrors
``UNet.forward`` step by step; the equality test breaks if the two drift apart.
"""

from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.multiprocessing.reductions import StorageWeakRef
from torch.utils._python_dispatch import TorchDispatchMode

from nemoml.generate.unet import ResBlock, UNet
from nemoml.grid.padding import Boundaries, pad


def _spans(n: int, size: int) -> list[tuple[int, int]]:
    return [(a, min(n, a + size)) for a in range(0, n, size)]


class TiledUNet:
    """``net(x, t, mask)`` of a :class:`UNet` evaluated tile by tile, with exact statistics.

    Parameters
    ----------
    net : UNet
        The eager network (its parameters' device is the compute device).
    tile : int or (int, int)
        Tile height and width at full resolution; multiples of ``2 ** (stages - 1)`` so that
        tile edges line up at every resolution.
    bounds : Boundaries
        The grid's edges, as the network was built with.
    meter : bool
        Count the compute device's memory on the CPU too (``peak`` after a call: the peak of
        the tensors made on the device side of a tile; slow, for tests and the bench). On a
        GPU the allocator's own peak (:func:`peak_bytes`) says the same.
    """

    def __init__(self, net: UNet, tile, bounds: Boundaries | None = None, meter: bool = False):
        self.net = net.eval()
        self.tile = (tile, tile) if isinstance(tile, int) else tuple(tile)
        self.bounds = bounds or Boundaries()
        self.levels = len(net.down)
        step = 2 ** (self.levels - 1)
        if any(s <= 0 or s % step for s in self.tile):
            raise ValueError(f"tile {self.tile}: sides must be positive multiples of {step} "
                             f"(the UNet has {self.levels} resolutions)")
        self.device = next(net.parameters()).device
        self.tiles_last = 0  # tiles per layer at full resolution in the last call
        self.meter = _LiveBytes() if meter else None

    @property
    def peak(self) -> int:
        """Peak bytes alive on the device side of the tiles since the meter started."""
        return self.meter.peak if self.meter is not None else 0

    def _tile(self):
        """The device side of one tile: what the meter counts (the host fields are not)."""
        return self.meter if self.meter is not None else contextlib.nullcontext()

    # -- building blocks ---------------------------------------------------------------------
    def _spans(self, x: Tensor, level: int):
        th, tw = (s >> level for s in self.tile)
        for a, b in _spans(x.shape[-2], th):
            for c, d in _spans(x.shape[-1], tw):
                yield a, b, c, d

    def _pad(self, x: Tensor, width: int) -> Tensor:
        return pad(x, width, self.bounds.periodic, {"": 0, "T": 1, "F": 2}[self.bounds.fold])

    def _dev(self, x: Tensor) -> Tensor:
        # a copy even on the CPU: the tile is the device's own (and so counted by peak_bytes)
        return x.to(self.device, copy=True)

    def stats(self, x: Tensor, norm: nn.GroupNorm, level: int) -> tuple[Tensor, Tensor]:
        """Whole-field (B, G) mean and 1/std of ``norm``'s groups: each tile's (Welford)
        variance and mean, merged in float64 by Chan's pairwise rule."""
        g = norm.num_groups
        n = torch.zeros((), dtype=torch.float64, device=self.device)
        mean = torch.zeros(x.shape[0], g, dtype=torch.float64, device=self.device)
        m2 = torch.zeros_like(mean)
        for a, b, c, d in self._spans(x, level):
            with self._tile():
                t = self._dev(x[..., a:b, c:d]).reshape(x.shape[0], g, -1)
                var_t, mean_t = torch.var_mean(t, dim=-1, correction=0)
                k = t.shape[-1]
                del t
                delta = mean_t.double() - mean
                mean += delta * (k / (n + k))
                m2 += var_t.double() * k + delta * delta * (n * k / (n + k))
                n += k
        return mean, torch.rsqrt(m2 / n + norm.eps)

    @staticmethod
    def _norm_act(t: Tensor, norm: nn.GroupNorm, stats) -> Tensor:
        """silu(GroupNorm(t)) with the whole field's statistics, as one scale and shift per
        (sample, channel): a single tile-sized temporary."""
        mean, rstd = stats
        per = t.shape[1] // norm.num_groups
        scale = rstd.repeat_interleave(per, 1) * norm.weight.double()
        shift = norm.bias.double() - mean.repeat_interleave(per, 1) * scale
        z = torch.addcmul(shift.to(t.dtype)[..., None, None], t, scale.to(t.dtype)[..., None, None])
        return F.silu(z, inplace=True)

    def conv(self, x: Tensor, conv: nn.Conv2d, level: int, pre=None, post=None) -> Tensor:
        """A 3x3 convolution (stride 1 or 2) of ``pre(x)`` tile by tile; ``post(y, a, b, c,
        d)`` adds to each output tile. The halo of ``pre(x)`` is zero where the grid pads
        with zeros (the closed edges), as the full-field network's padding is."""
        s = conv.stride[0]
        xp = self._pad(x, 1)
        valid = self._pad(torch.ones(1, 1, *x.shape[-2:], dtype=x.dtype, device=x.device), 1)
        ho, wo = x.shape[-2] // s, x.shape[-1] // s
        out = torch.empty(x.shape[0], conv.out_channels, ho, wo, dtype=x.dtype, device=x.device)
        for a, b, c, d in self._spans(out, level + (s == 2)):
            rows, cols = slice(a * s, (b - 1) * s + 3), slice(c * s, (d - 1) * s + 3)
            with self._tile():
                t = self._dev(xp[..., rows, cols])
                if pre is not None:
                    t = pre(t) * self._dev(valid[..., rows, cols])
                y = F.conv2d(t, conv.weight, conv.bias, stride=s)
                del t
                if post is not None:
                    y = post(y, a, b, c, d)
                y = y.to(x.device)
            out[..., a:b, c:d] = y
            del y
        return out

    def upsample(self, x: Tensor, up: nn.ConvTranspose2d, level: int) -> Tensor:
        """``padding.ConvTranspose2d`` (4x4, stride 2) tile by tile: output rows ``[a, b)``
        (``a`` even) need padded input rows ``[a / 2, b / 2 + 2)`` and keep local rows from
        3 on."""
        xp = self._pad(x, 1)
        h, w = 2 * x.shape[-2], 2 * x.shape[-1]
        out = torch.empty(x.shape[0], up.out_channels, h, w, dtype=x.dtype, device=x.device)
        for a, b, c, d in self._spans(out, level):
            with self._tile():
                t = self._dev(xp[..., a // 2: b // 2 + 2, c // 2: d // 2 + 2])
                y = F.conv_transpose2d(t, up.weight, up.bias, stride=2)
                del t
                y = y[..., 3: 3 + b - a, 3: 3 + d - c].to(x.device)
            out[..., a:b, c:d] = y
            del y
        return out

    def block(self, blk: ResBlock, x: Tensor, temb: Tensor, level: int) -> Tensor:
        """``ResBlock.forward``: conv1(silu(norm1 x)) + temb, conv2(silu(norm2 h)) + skip(x)."""
        bias = blk.temb(temb)[:, :, None, None]
        s1 = self.stats(x, blk.norm1, level)
        h = self.conv(x, blk.conv1, level, lambda t: self._norm_act(t, blk.norm1, s1),
                      lambda y, *_: y + bias)
        s2 = self.stats(h, blk.norm2, level)

        def skip(y, a, b, c, d):
            return y + blk.skip(self._dev(x[..., a:b, c:d]))

        return self.conv(h, blk.conv2, level, lambda t: self._norm_act(t, blk.norm2, s2), skip)

    # -- the network -------------------------------------------------------------------------
    @torch.no_grad()
    def __call__(self, x: Tensor, t: Tensor, mask: Tensor) -> Tensor:
        """The noise estimate of ``x`` (B, C, H, W), returned on ``x``'s device."""
        net = self.net
        temb = net.embed(t.to(self.device))
        m = mask.to(x.device, x.dtype).expand(x.shape[0], -1, -1, -1)
        self.tiles_last = len(list(self._spans(x, 0)))
        h = self.conv(torch.cat([x * m, m], dim=1), net.inp, 0)
        hs: list[Tensor] = []
        level = 0
        for stage, pool in zip(net.down, net.pool, strict=True):
            for blk in stage:
                h = self.block(blk, h, temb, level)
            hs.append(h)
            if not isinstance(pool, nn.Identity):
                h = self.conv(h, pool, level)
                level += 1
        h = self.block(net.mid, h, temb, level)
        for i, (stage, upsample) in enumerate(zip(net.up, net.upsample, strict=True)):
            h = torch.cat([h, hs[len(hs) - 1 - i]], dim=1)
            for blk in stage:
                h = self.block(blk, h, temb, level)
            if not isinstance(upsample, nn.Identity):
                level -= 1
                h = self.upsample(h, upsample, level)
        gain = net.skip_gain(temb)[:, :, None, None]
        s = self.stats(h, net.out_norm, 0)

        def finish(y, a, b, c, d):
            xs, ms = self._dev(x[..., a:b, c:d]), self._dev(m[..., a:b, c:d])
            return (y + gain * xs) * ms

        return self.conv(h, net.out, 0, lambda u: self._norm_act(u, net.out_norm, s), finish)


def eager_unet(net, model: dict, channels: int) -> UNet:
    """The eager :class:`UNet` of an exported denoiser (TorchScript or eager) from its
    ``generator.json`` model entry, on the denoiser's device."""
    bounds = Boundaries(**model["bounds"]) if model.get("bounds") else Boundaries()
    eager = UNet(channels, base=model["base"], mults=tuple(model["mults"]),
                 blocks=model["blocks"], bounds=bounds)
    state = net.state_dict()
    eager.load_state_dict(state)
    device = next(iter(state.values())).device
    return eager.to(device).eval()


def tile_generator(gen, tile):
    """Make ``gen`` evaluate its denoiser tile by tile (:class:`TiledUNet`) on the device it
    ran on; its states stay on the host. Returns ``gen``."""
    model = gen.meta["model"]
    bounds = Boundaries(**model["bounds"]) if model.get("bounds") else Boundaries()
    eager = eager_unet(gen.net, model, gen.layout.channels)
    gen.to("cpu")  # the whole field stays on the host; tiles go to the compute device
    gen.net = TiledUNet(eager, tile, bounds)
    return gen


class _LiveBytes(TorchDispatchMode):
    """Peak bytes of the tensor storages created inside the mode and still alive (views and
    in-place results share an input's storage and are not new)."""

    def __init__(self):
        super().__init__()
        self.live: dict[int, tuple[StorageWeakRef, int]] = {}
        self.peak = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        inputs = {a.untyped_storage().data_ptr() for a in (*args, *(kwargs or {}).values())
                  if isinstance(a, Tensor)}
        for t in out if isinstance(out, (tuple, list)) else (out,):
            if isinstance(t, Tensor) and t.device.type != "meta":
                st = t.untyped_storage()
                if st.data_ptr() not in self.live and st.data_ptr() not in inputs:
                    self.live[st.data_ptr()] = (StorageWeakRef(st), st.nbytes())
        self.live = {k: v for k, v in self.live.items() if not v[0].expired()}
        self.peak = max(self.peak, sum(n for _, n in self.live.values()))
        return out


def peak_bytes(fn, device: str | torch.device = "cpu") -> tuple[object, int]:
    """``(fn(), peak bytes of the memory fn allocated on device)``: the CUDA allocator's peak
    on a GPU; on the CPU, the peak of the tensor storages created by ``fn`` and alive (a
    dispatch-mode count: tensors made before ``fn``, as the parameters, are not counted)."""
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
        out = fn()
        torch.cuda.synchronize(device)
        return out, torch.cuda.max_memory_allocated(device) - base
    with _LiveBytes() as mode:
        out = fn()
    return out, mode.peak
