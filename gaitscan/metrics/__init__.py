"""Gait metrics: view and sides, gait events, per-step metrics, summaries and quality checks.

Pure computation on a :class:`~gaitscan.pose.series.PoseSeries` — no files, no model. The one
entry point that assembles everything into the ``gaitscan.analysis/1`` dict is
:func:`gaitscan.metrics.analysis.analyse_series`; :mod:`gaitscan.pipeline` adds the I/O.
"""
