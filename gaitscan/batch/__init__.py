"""``gaitscan batch``: analyse a clinic's whole video folder, resumably, locally or on Dask.

The batch is a thin driver over the same per-video pipeline as ``gaitscan analyze``
(:func:`gaitscan.pipeline.analyze`). Its parts, each with one job:

- :mod:`.discover` finds the videos and says whose they are and when they were filmed;
- :mod:`.fingerprint` hashes a file's content (streamed SHA-256);
- :mod:`.index` is the SQLite index in OUT (the batch's memory: what is done, failed, skipped);
- :mod:`.job` is the per-video job that runs in a worker process (local or Dask);
- :mod:`.runner` runs jobs on a local process pool or on a Dask distributed cluster;
- :mod:`.keymetrics` is pure: the key numbers of one analysis;
- :mod:`.outdir` owns OUT's layout, its lock and the atomic move of a video's outputs into place;
- :mod:`.progress` is the overall progress bar;
- :mod:`.outputs` writes ``summary.csv``, ``index.html`` and the per-runner history pages (the
  session-to-session comparison is the report's, :mod:`gaitscan.report.compare`);
- :mod:`.driver` ties them together (:func:`run_batch`), :mod:`.command` is the CLI.

Exit status of ``gaitscan batch``: 0 when every video found is done (or skipped as a duplicate),
1 when the batch finished but some videos failed (their reasons are in the index, in
``summary.csv`` and in ``index.html``), other codes as in :mod:`gaitscan.errors`.
"""
