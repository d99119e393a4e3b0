"""The main job (``make demo``): the stand-in host driving nemoml end to end."""
