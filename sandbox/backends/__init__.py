"""Sandbox backends: `docker` (containers), `local` (bubblewrap or rlimits), `auto`."""
