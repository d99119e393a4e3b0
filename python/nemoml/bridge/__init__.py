"""The bridge: what runs inside the host process behind the C ABI of ``csrc/nemoml.h``.

- ``entry``     the ``extern "Python"`` callbacks, one per ABI function
- ``fields``    zero-copy numpy views of the host's arrays, and their validation
- ``comm``      mpi4py on the host's communicator; collective agreement on failures
- ``exchange``  gather inner domains to one rank, scatter results back (halos refilled)
- ``registry``  models loaded once at init (TorchScript ``.pt``, ``torch.export`` ``.pt2``)
- ``hooks``     what the istate and increments calls do
- ``session``   the state kept between calls
"""
