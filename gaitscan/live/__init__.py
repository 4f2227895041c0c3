"""``gaitscan live``: real-time pose, gait events and retraining feedback from a camera or a file.

A thin driver over the offline parts: the same :class:`~gaitscan.pose.landmarker.Landmarker`,
:class:`~gaitscan.pose.landmarker.RunnerTracker`, side relabelling,
:class:`~gaitscan.metrics.events.GaitEventDetector` and per-step metrics
(:func:`~gaitscan.metrics.steps.compute_steps`) as ``gaitscan analyze``; only the frame source
(newest frame wins), the rolling statistics, the feedback and the window are its own.

Modules: :mod:`.source` (camera / file / stream capture), :mod:`.session` (streaming metrics),
:mod:`.feedback` (targets, cues, metronome, audio), :mod:`.display` (the OpenCV window),
:mod:`.record` (video + PoseSeries + the analyze outputs), :mod:`.loop` (the real-time loop),
:mod:`.command` (the CLI).
"""
