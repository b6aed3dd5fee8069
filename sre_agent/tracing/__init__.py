"""X-Ray tracing of runs: tracer.py opens the segment and its spans, emitters.py sends the documents."""
