"""Sweeps: many searches over a suite and a grid, on one machine or a Ray cluster.

    grid.py       the command line (Hydra's sweep syntax, `sweep=PRESET`) -> SweepDefinition
    plan.py       the definition -> one RunJob per (task, grid point), every config checked
    directory.py  the sweep directory: sweep.yaml, results.jsonl, runs/<key>/
    worker.py     one run, wired as `maxcode optimize` wires it (maxcode/wiring.py); result rows
    local.py      executor `local`: one process per run, as many at once as cores allow
    ray_executor.py  executor `ray`: one Ray task per run, records streamed to the driver
    live.py       the live table
    driver.py     the whole command: plan, check, run what is left, summarize (the papers'
                  metrics: maxcode/report/sweep_metrics.py, which the sweep's page shares)

Sweeps import report/ and tracking/, never the other way: what those read of a sweep
directory is in records/sweep.py.
"""
