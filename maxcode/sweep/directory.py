"""The sweep directory, as the driver creates and appends it (its files: records/sweep.py).

    sweep.yaml      the definition (identity: what a resume must repeat), the grid, the task
                    ids, the run keys, the plan (task, method and seed of each run key) and
                    the resolved base config
    results.jsonl   one row per finished or failed run, appended; the last row of a run wins
    runs/<key>/     one run directory per (task, grid point), as `maxcode optimize` writes it
    summary.json, summary.md   written at the end of every sweep command
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from maxcode.errors import ConfigError
from maxcode.records.run import atomic_write
from maxcode.records.sweep import SweepReader


class SweepDir(SweepReader):
    def check(self, identity: dict[str, Any], command: str) -> bool:
        """True when this directory already holds this sweep; a ConfigError (nothing written)
        when it holds another one, or something that is not a sweep."""
        if self.spec.is_file():
            stored = (yaml.safe_load(self.spec.read_text()) or {}).get("identity")
            if stored != json.loads(json.dumps(identity)):
                differ = sorted(k for k in set(identity) | set(stored or {})
                                if (stored or {}).get(k) != identity.get(k))
                raise ConfigError(
                    f"{self.path} holds a different sweep (its {', '.join(differ)} differ)",
                    f"pick another sweep_dir, or repeat that sweep's command: "
                    f"{(yaml.safe_load(self.spec.read_text()) or {}).get('command', '?')}")
            return True
        if self.path.exists() and any(self.path.iterdir()):
            raise ConfigError(f"{self.path} is not empty and holds no sweep.yaml",
                              "pick a new or empty sweep_dir")
        return False

    def create(self, data: dict[str, Any]) -> None:
        """Write sweep.yaml; a resumed sweep's is kept as it was written, except that fields an
        older version did not write (e.g. `plan`) are added."""
        self.runs.mkdir(parents=True, exist_ok=True)
        stored = (yaml.safe_load(self.spec.read_text()) or {}) if self.spec.exists() else {}
        if not stored or set(data) - set(stored):
            atomic_write(self.spec, yaml.safe_dump({**data, **stored}, sort_keys=False, width=100))

    def append(self, row: dict[str, Any]) -> None:
        self.results.append(row)
