"""MLflow: a tracking server (`http://...`, any backend store) or a local store (`file:`,
`sqlite:`), through `MlflowClient`. A sweep's runs are nested under its run
(`mlflow.parentRunId`), as MLflow's UI draws them."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from maxcode.tracking.base import RunSpec

_STATUS = {"finished": "FINISHED", "failed": "FAILED", "killed": "KILLED"}
# MLflow's limits (mlflow.utils.validation): a batch holds at most 100 params / 1000
# metrics, a param value at most 6000 characters, a tag value 8000.
_PARAMS_PER_BATCH, _METRICS_PER_BATCH, _PARAM_CHARS, _TAG_CHARS = 100, 1000, 6000, 8000


@dataclass
class MlflowTracker:
    """Runs go to `tracking_uri` (else MLFLOW_TRACKING_URI, else MLflow's default store),
    experiment `experiment_name` (else MLFLOW_EXPERIMENT_NAME, else `maxcode`)."""

    tracking_uri: str | None = None
    experiment_name: str | None = None
    http_max_retries: int = 2
    """MLflow retries a failed request 7 times with doubling waits by default (minutes); a
    tracker that is gone should be noticed sooner. MLFLOW_HTTP_REQUEST_MAX_RETRIES wins."""
    http_timeout_s: float = 10.0
    """Per request (MLflow's default is 120 s). MLFLOW_HTTP_REQUEST_TIMEOUT wins."""

    requires: ClassVar[str] = "mlflow"
    kind: ClassVar[str] = "mlflow"

    def uri(self) -> str | None:
        return self.tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or None

    def experiment(self) -> str:
        return self.experiment_name or os.environ.get("MLFLOW_EXPERIMENT_NAME") or "maxcode"

    def describe(self) -> str:
        return f"MLflow {self.uri() or '(default store)'}, experiment {self.experiment()}"

    def key(self) -> str:
        return f"mlflow:{self.uri() or ''}|{self.experiment()}"

    def client(self) -> Any:
        # MLflow reads these at request time; the user's own settings are kept.
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", str(self.http_max_retries))
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", str(int(self.http_timeout_s)))
        from mlflow import MlflowClient

        return MlflowClient(tracking_uri=self.uri())

    def open(self, spec: RunSpec) -> MlflowRun:
        from mlflow.exceptions import MlflowException

        client = self.client()
        if spec.run_id:
            try:
                if client.get_run(spec.run_id).info.lifecycle_stage == "active":
                    client.update_run(spec.run_id, status="RUNNING")
                    return MlflowRun(client, spec.run_id)
            except MlflowException as exc:
                if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
                    raise
        name = self.experiment()
        found = client.get_experiment_by_name(name)
        experiment_id = found.experiment_id if found else client.create_experiment(name)
        tags = {"maxcode.kind": spec.kind, **{k: v[:_TAG_CHARS] for k, v in spec.tags.items()}}
        if spec.parent_id:
            tags["mlflow.parentRunId"] = spec.parent_id
        if spec.group:
            tags["maxcode.sweep"] = spec.group
        run = client.create_run(experiment_id, run_name=spec.name, tags=tags)
        return MlflowRun(client, run.info.run_id)


@dataclass
class MlflowRun:
    client: Any
    run_id: str

    def last_step(self) -> int:
        history = self.client.get_metric_history(self.run_id, "search/best_speedup")
        return max((m.step for m in history), default=0)

    def log_params(self, params: dict[str, str]) -> None:
        from mlflow.entities import Param

        items = [Param(_key(k), v[:_PARAM_CHARS]) for k, v in params.items()]
        for i in range(0, len(items), _PARAMS_PER_BATCH):
            self.client.log_batch(self.run_id, params=items[i:i + _PARAMS_PER_BATCH])

    def log_metrics(self, step: int, values: dict[str, float]) -> None:
        self._metrics(step, values)

    def log_summary(self, values: dict[str, float]) -> None:
        self._metrics(0, {f"summary/{k}": v for k, v in values.items()})

    def log_file(self, path: Path) -> None:
        self.client.log_artifact(self.run_id, str(path))

    def close(self, status: str) -> None:
        self.client.set_terminated(self.run_id, status=_STATUS[status])

    def _metrics(self, step: int, values: dict[str, float]) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        items = [Metric(_key(k), float(v), now, step) for k, v in values.items()]
        for i in range(0, len(items), _METRICS_PER_BATCH):
            self.client.log_batch(self.run_id, metrics=items[i:i + _METRICS_PER_BATCH])


def _key(key: str) -> str:
    """MLflow keys take letters, digits, `_-. /` only."""
    return re.sub(r"[^\w\-. /]", "_", key)[:250]
