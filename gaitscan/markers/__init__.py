"""Marker mode (issue 11): the clinic's own skin markers over the PSIS and the heel counters,
found and tracked automatically, measured with the literature's 2D definitions and compared with
the markerless values.

- :mod:`.detect` — colour (``colors.yaml``) and blobs of that colour in a search box.
- :mod:`.track` — :class:`MarkerTracker` (``update`` / ``reset`` / ``result``): PSIS pair and
  heel markers through the clip, frames rejected with a reason, never interpolated.
- :mod:`.metrics` — pelvic drop from the PSIS-marker line, heel-marker landing offsets and step
  width; :func:`add_markers` puts them into an analysis dict.
- :mod:`.agreement` — markerless vs marker: Bland–Altman statistics and plot.
"""
