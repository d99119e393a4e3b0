"""mpirun's environment: waiting ranks yield their core when ranks exceed the cores."""

from nemoml.devtools.host import mpi_env, usable_cores


def test_yield_when_ranks_exceed_cores(monkeypatch):
    monkeypatch.delenv("OMPI_MCA_mpi_yield_when_idle", raising=False)
    cores = usable_cores()
    assert mpi_env(cores + 1)["OMPI_MCA_mpi_yield_when_idle"] == "1"
    assert "OMPI_MCA_mpi_yield_when_idle" not in mpi_env(cores)


def test_a_users_choice_is_kept(monkeypatch):
    monkeypatch.setenv("OMPI_MCA_mpi_yield_when_idle", "0")
    assert mpi_env(usable_cores() + 1)["OMPI_MCA_mpi_yield_when_idle"] == "0"
