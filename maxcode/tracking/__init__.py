"""Experiment trackers (MLflow, Weights & Biases) fed from the run record.

A tracker follows run directories as the search writes them (`trajectory.jsonl`,
`summary.json`, the artifacts) and never decides what the search does: when it fails, it
warns once and falls behind, and `maxcode track sync DIR` brings it up to date afterwards.
What it has logged is kept in the run directory (`tracking.json`), so a resumed run
continues the same tracked run without repeating a step.
"""
