"""The drivers of ``nemoml bench NAME --json``: each module's ``run(args)`` returns one dict
of measured figures (the keys issues name are kept). Performance targets live here, never in
timed tests."""

__all__ = ["bridge", "cycle", "da", "da3d", "eos", "generate", "io", "scale", "train"]
