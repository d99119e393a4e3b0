"""NEMO's file formats: restarts, per-rank files, state databases and ASM increment files,
and NEMO's calendar (:mod:`.calendar`)."""

from nemoml.base.netcdf import NemoFileError
from nemoml.io.calendar import day_number, nemo_add_days, nemo_date
from nemoml.io.database import Database, build_database, load_database
from nemoml.io.increments import (
    Increments,
    check_increments_file,
    read_increments,
    write_increments,
)
from nemoml.io.ranks import join as join_ranks
from nemoml.io.ranks import rank_files
from nemoml.io.ranks import split as split_ranks
from nemoml.io.restart import read_restart, restart_scheme, write_restart
from nemoml.io.sources import read_collection
from nemoml.io.state import State

__all__ = [
    "Database", "Increments", "NemoFileError", "State", "build_database",
    "check_increments_file", "day_number", "join_ranks", "load_database", "nemo_add_days",
    "nemo_date", "rank_files", "read_collection", "read_increments", "read_restart",
    "restart_scheme", "split_ranks", "write_increments", "write_restart",
]
