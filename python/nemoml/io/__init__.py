"""NEMO's file formats: restarts, per-rank files, state databases and ASM increment files."""

from nemoml.grid._nc import NemoFileError
from nemoml.io.ranks import join as join_ranks
from nemoml.io.ranks import rank_files
from nemoml.io.ranks import split as split_ranks
from nemoml.io.restart import read_restart, restart_scheme, write_restart
from nemoml.io.state import State

__all__ = ["NemoFileError", "State", "join_ranks", "rank_files", "read_restart",
           "restart_scheme", "split_ranks", "write_restart"]
