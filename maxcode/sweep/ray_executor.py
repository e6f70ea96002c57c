"""Executor `ray`: one Ray task per run, on an existing cluster or a local instance.

No shared filesystem: a run works in a scratch directory on its worker, and its store
forwards every record to a `Collector` actor pinned to the driver's node, which writes it
into the sweep directory before the run goes on (a trajectory line is acknowledged before
the next node). When a worker or its node dies, Ray retries the task (`max_retries`); the
retry first copies what the collector holds for its run (config, trajectory) into a fresh
scratch directory, so the search resumes there: no recorded node is lost or judged again.
LLM replies are cached per run directory's seed and prompt (maxcode/cache.py) on the worker.

Resources: each run asks for `num_cpus`; a CUDA kernel run (device=cuda) also for
`num_gpus_kernel` GPUs, so Ray places it on a node that has one.
"""

from __future__ import annotations

import logging
import shutil
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

from maxcode.errors import ConfigError, UserError
from maxcode.records.node import Node
from maxcode.records.run import SUMMARY, TRAJECTORY, RunReader, RunWriter
from maxcode.sweep.directory import SweepDir
from maxcode.sweep.events import Events
from maxcode.sweep.plan import RunJob

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
RESUME_FILES = ("config.yaml", TRAJECTORY)


class Collector:
    """Lives on the driver's node; writes what runs record into the sweep directory."""

    def __init__(self, sweep_path: str) -> None:
        self.runs = Path(sweep_path) / "runs"
        self.progress: dict[str, dict[str, Any]] = {}
        self.attempts: dict[str, int] = {}

    def begin(self, key: str) -> dict[str, bytes]:
        """A run (first try or retry) starts: what it recorded so far, to resume from."""
        self.attempts[key] = self.attempts.get(key, 0) + 1
        folder = self.runs / key
        files: dict[str, bytes] = {}
        for name in RESUME_FILES:
            if (folder / name).is_file():
                files[name] = (folder / name).read_bytes()
        for path in sorted(folder.glob("config.resume-*.yaml")):
            files[path.name] = path.read_bytes()
        self.progress[key] = {"running": True, "attempt": self.attempts[key]}
        return files

    def append(self, key: str, line: str) -> None:
        """One trajectory line, durable before the call returns."""
        writer = RunWriter(self.runs / key)
        writer.append_line(line)
        writer.close()

    def write(self, key: str, name: str, data: bytes) -> None:
        path = self.runs / key / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)

    def report(self, key: str, info: dict[str, Any]) -> None:
        self.progress.setdefault(key, {}).update(info)

    def state(self) -> dict[str, dict[str, Any]]:
        return self.progress


class MirrorStore(RunWriter):
    """A run store in a scratch directory that forwards every record to the collector."""

    def __init__(self, scratch: Path, key: str, collector: Any, record_dir: Path) -> None:
        super().__init__(scratch)
        self.key, self.collector, self.record_dir = key, collector, record_dir

    def _send(self, name: str) -> None:
        import ray

        path = self.dir / name
        if path.is_file():
            ray.get(self.collector.write.remote(self.key, name, path.read_bytes()))

    def open(self, config_yaml: str) -> None:
        before = {p.name for p in self.dir.glob("config*.yaml")}
        super().open(config_yaml)
        for path in self.dir.glob("config*.yaml"):
            if path.name not in before:
                self._send(path.name)

    def append(self, node: Node) -> None:
        import ray

        super().append(node)
        ray.get(self.collector.append.remote(self.key, node.to_json() + "\n"))

    def write_prompt(self, prompt_hash: str, messages: list[dict[str, str]]) -> None:
        existed = (self.dir / "prompts" / f"{prompt_hash}.md").exists()
        super().write_prompt(prompt_hash, messages)
        if not existed:
            self._send(f"prompts/{prompt_hash}.md")

    def write_candidate(self, node: Node, ext: str) -> None:
        super().write_candidate(node, ext)
        for suffix in (".reply.md", f".{ext}", ".evaluation.json"):
            self._send(f"candidates/{node.id:05d}{suffix}")

    def write_json(self, name: str, data: dict[str, Any]) -> None:
        if name == SUMMARY:  # paths as the user sees them, on the driver
            data = {**data, "run_dir": str(self.record_dir),
                    "best_source": str(self.record_dir / Path(str(data.get("best_source", ""))).name)}
        super().write_json(name, data)
        self._send(name)

    def write_text(self, name: str, text: str) -> Path:
        path = super().write_text(name, text)
        self._send(name)
        return path

    def sync_all(self) -> None:
        """Everything else the run wrote (plots, reports), once it has ended."""
        for path in sorted(self.dir.rglob("*")):
            rel = path.relative_to(self.dir).as_posix()
            if path.is_file() and rel != TRAJECTORY and not rel.endswith(".tmp"):
                self._send(rel)


def run_remote(job: RunJob, collector: Any, record_dir: str) -> dict[str, Any]:
    """The Ray task of one run (first try or retry)."""
    import ray

    from maxcode.sweep.worker import execute

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    scratch = Path(tempfile.mkdtemp(prefix=f"maxcode-sweep-{job.key[:40]}-"))
    try:
        for name, data in ray.get(collector.begin.remote(job.key)).items():
            (scratch / name).write_bytes(data)
        store = MirrorStore(scratch, job.key, collector, Path(record_dir))

        def progress(info: dict[str, Any]) -> None:
            collector.report.remote(job.key, info)

        row = execute(job, scratch, Path(record_dir), store=store, progress=progress)
        store.sync_all()
        row["attempts"] = ray.get(collector.state.remote()).get(job.key, {}).get("attempt", 1)
        return row
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class RayExecutor:
    """Runs as Ray tasks; see the module docstring."""

    name = "ray"

    def __init__(self, address: str | None = None, num_cpus: float = 1, num_gpus_kernel: float = 1,
                 max_retries: int = 3, local_cpus: int | None = None) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self.num_gpus_kernel = num_gpus_kernel
        self.max_retries = max_retries
        self.local_cpus = local_cpus
        self._started_here = False

    def check(self) -> None:
        try:
            import ray  # noqa: F401
        except ImportError:
            raise UserError("executor=ray needs Ray, which is not installed",
                            'pip install -e ".[ray]" (or use executor=local)') from None
        if self.address and self.address != "auto":
            host, port = _host_port(self.address)
            try:
                socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S).close()
            except OSError as exc:
                raise UserError(f"the Ray address {self.address} does not answer ({exc.strerror or exc})",
                                "start the head there (`ray start --head --port=6379`, docs/sweeps.md), "
                                "or drop executor.address to use a local Ray instance") from None

    def connect(self) -> None:
        import ray

        if ray.is_initialized():
            return
        kwargs: dict[str, Any] = {"log_to_driver": False, "configure_logging": False}
        if self.address:
            kwargs["address"] = self.address
        else:
            kwargs.update(include_dashboard=False, num_cpus=self.local_cpus)
        try:
            ray.init(**kwargs)
        except ConnectionError as exc:
            raise UserError(f"cannot join the Ray cluster at {self.address}: {exc}",
                            "check `ray status` on the head node, or drop executor.address") from None
        self._started_here = True

    def close(self) -> None:
        import ray

        if self._started_here and ray.is_initialized():
            ray.shutdown()
            self._started_here = False

    def run(self, jobs: list[RunJob], sweep: SweepDir, events: Events) -> None:
        import ray
        from ray.exceptions import RayError
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        from maxcode.sweep.worker import result_row

        here = ray.get_runtime_context().get_node_id()
        collector = ray.remote(num_cpus=0)(Collector).options(
            scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=here, soft=False)).remote(str(sweep.path))
        task = ray.remote(run_remote)
        pending: dict[Any, RunJob] = {}
        queue = list(jobs)
        # Ray lends a task's CPUs to other tasks while it blocks in ray.get (each record sent
        # to the collector), so the number in flight is bounded here, not by Ray's scheduler.
        window = max(1, int(ray.cluster_resources().get("CPU", 1) // max(self.num_cpus, 1e-6)))
        seen: dict[str, int] = {}
        try:
            while pending or queue:
                while queue and len(pending) < window:
                    job = queue.pop(0)
                    ref = task.options(num_cpus=self.num_cpus, num_gpus=self.num_gpus_kernel if job.gpus else 0,
                                       max_retries=self.max_retries, retry_exceptions=False,
                                       name=f"maxcode-run:{job.key}").remote(job, collector,
                                                                            str(sweep.run_dir(job.key)))
                    pending[ref] = job
                ready, _ = ray.wait(list(pending), num_returns=1, timeout=0.5)
                for ref in ready:
                    job = pending.pop(ref)
                    try:
                        row = ray.get(ref)
                    except RayError as exc:
                        row = result_row(job, RunReader(sweep.run_dir(job.key)).run_summary(),
                                         f"{type(exc).__name__}: {str(exc).splitlines()[0]} "
                                         f"(after {self.max_retries} retries)", sweep.run_dir(job.key), 0.0)
                    events.finished(job, row)
                state = ray.get(collector.state.remote())
                for key, info in state.items():
                    job = next((j for j in pending.values() if j.key == key), None)
                    if job is None:
                        continue
                    attempt = int(info.get("attempt", 1))
                    if seen.get(key) != attempt:
                        if key in seen:
                            events.retrying(job, "its Ray worker died")
                        seen[key] = attempt
                        events.started(job, attempt)
                    events.progress(job, info)
                events.tick()
        except KeyboardInterrupt:
            for ref in pending:
                ray.cancel(ref)  # the run raises KeyboardInterrupt in its worker and writes its summary
            time.sleep(2.0)
            raise


def _host_port(address: str) -> tuple[str, int]:
    bare = address.split("://", 1)[-1]
    host, _, port = bare.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"executor.address={address!r} is not HOST:PORT", "e.g. executor.address=10.0.0.1:6379")
    return host, int(port)

