"""The bridge: what runs inside the host process behind the C ABI of ``csrc/nemoml.h``.

- ``entry``     the ``extern "Python"`` callbacks, one per ABI function
- ``fields``    zero-copy numpy views of the host's arrays, and their validation
- ``comm``      mpi4py on the host's communicator; collective agreement on failures
- ``exchange``  gather inner domains to one rank, scatter results back (halos refilled)
- ``registry``  models loaded once at init (TorchScript ``.pt``, ``torch.export`` ``.pt2``)
- ``hooks``     what the istate and increments calls do
- ``session``   the state kept between calls
- ``settings``  the ``&namnemoml`` keys the host passes at init
- ``cycle``     what ``nemoml_cycle`` does
- ``handlers``  what the istate, increments and cycle calls run (generator, 4DVarNet, cycle)

It is the runtime NEMO loads: it imports the model rooms and the plumbing below it, never the
command line, the demo or the developer tools (import-linter).
"""

__all__ = ["entry", "handlers"]
