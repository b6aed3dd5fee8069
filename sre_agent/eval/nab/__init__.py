"""NAB (Numenta Anomaly Benchmark) for the metric anomaly detector, faithful to NAB v1.1: `corpus`
finds and loads the data (series, labelled windows, published reference outputs), `sweep` is NAB's
scoring function and threshold sweep, `scoring` normalises a detector's corpus score per profile,
`runner` streams every file through a fresh detector (one or several candidates) and scores it,
and `crossval` scores the choice of parameters and threshold across files (leave-one-file-out or
k folds: chosen on the training files, scored on the held-out ones). This package re-exports
nothing: import from the module that does the job.
"""
