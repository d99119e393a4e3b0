"""Files a reader never sees half-written: every file nemoml writes goes through here.

A write goes to a temporary file beside the target and is renamed over it only when it
succeeded, so a failed write (an exception, bad input found halfway, a killed rank) leaves
neither a partial file nor the temporary, and an existing file untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path


class NemoFileError(ValueError):
    """A NEMO file is missing, unreadable, or does not hold what the caller needs.

    The message always names the file, and the variable when one is involved.
    """

    def __init__(self, path: str | os.PathLike, message: str, variable: str | None = None):
        self.path = str(path)
        self.variable = variable
        where = f"{self.path}: variable '{variable}'" if variable else self.path
        super().__init__(f"{where}: {message}")


def default_mode() -> int:
    """The mode a plain ``open(path, "w")`` gives a new file: 0666 less the process umask."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, make_dirs: bool = False,
                mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` only on success.

    Parameters
    ----------
    path : path-like
        The file to write.
    make_dirs : bool
        Create missing parent directories (an export directory); otherwise a missing one is a
        :class:`NemoFileError` (a NEMO output path).
    mode : int, optional
        The file's mode; default: what NEMO's own files get (0666 less the umask), not
        mkstemp's 0600, which would hide it from other users.

    The temporary keeps ``path``'s suffix: some writers (``torch.export.save``) insist on it.
    """
    path = Path(path)
    if make_dirs:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        raise NemoFileError(path, "the output directory does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{path.suffix}",
                               dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.chmod(tmp, default_mode() if mode is None else mode)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write(path: str | os.PathLike, write: Callable[[Path], object],
                 make_dirs: bool = True, mode: int | None = None) -> None:
    """Write ``path`` through ``write(temporary_path)``, atomically (:func:`atomic_path`)."""
    with atomic_path(path, make_dirs=make_dirs, mode=mode) as tmp:
        write(tmp)


def atomic_text(path: str | os.PathLike, text: str, keep_mode: bool = True) -> None:
    """Replace ``path`` with ``text`` atomically, keeping an existing file's mode."""
    path = Path(path)
    mode = path.stat().st_mode & 0o7777 if keep_mode and path.is_file() else None
    atomic_write(path, lambda p: Path(p).write_text(text), make_dirs=False, mode=mode)
