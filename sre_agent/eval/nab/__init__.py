"""NAB (Numenta Anomaly Benchmark) for the metric anomaly detector, faithful to NAB v1.1: `corpus`
finds and loads the data (series, labelled windows, published reference outputs), `sweep` is NAB's
scoring function and threshold sweep, `scoring` normalises a detector's corpus score per profile,
and `runner` streams every file through a fresh detector and scores it. This package re-exports
nothing: import from the module that does the job.
"""
