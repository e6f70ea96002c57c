"""Benchmarks of MaxCode itself, run by `maxcode bench NAME`."""
