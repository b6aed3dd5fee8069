"""Cluster-wide health sweeps: every analyzer, every alarm, grouped into ranked problems (read-only)."""
