"""Scoring: the physics report card of sets of NEMO states (``physics``, ``report``, ``plots``,
``nemoml evaluate``) and the data-assimilation metrics (``da_metrics``)."""
