"""Copy a netCDF file's structure and data, replacing, reshaping or dropping variables."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import netCDF4
import numpy as np

DataFn = Callable[[str, netCDF4.Variable], "np.ndarray | None"]


def copy_dataset(src: netCDF4.Dataset, dst: netCDF4.Dataset, *, dims: dict[str, int] | None = None,
                 data: DataFn | None = None, drop: Iterable[str] = ()) -> None:
    """Copy dimensions, global attributes and variables of ``src`` into ``dst``.

    Parameters
    ----------
    dims
        New sizes for some dimensions (the unlimited one stays unlimited).
    data
        ``data(name, src_var)`` returns the array to write, or ``None`` to copy the source data.
    drop
        Variables not to copy.
    """
    dims = dims or {}
    drop = set(drop)
    dst.setncatts({k: src.getncattr(k) for k in src.ncattrs()})
    for name, dim in src.dimensions.items():
        dst.createDimension(name, None if dim.isunlimited() else dims.get(name, len(dim)))
    for name, var in src.variables.items():
        if name in drop:
            continue
        attrs = {k: var.getncattr(k) for k in var.ncattrs()}
        fill = attrs.pop("_FillValue", None)
        out = dst.createVariable(name, var.dtype, var.dimensions, fill_value=fill)
        out.setncatts(attrs)
        value = data(name, var) if data is not None else None
        out[...] = var[...] if value is None else value
