"""`critique=rules`: the rule-based critique, no LLM.

Picks the analyzers that fit the evaluation's status, runs them, and joins their findings
into a diagnosis with short, concrete suggestions. With a sandbox `Backend` it also re-runs
crashing C++ candidates under ASan/UBSan and profiles correct ones with callgrind.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from maxcode.benchmarks.task import Task
from maxcode.critique.analyzers import callgrind, kernel_profile
from maxcode.critique.analyzers.callgrind import (
    CallgrindProfile,
    analyze_profile,
    largest_test_input,
    profile_with_callgrind,
)
from maxcode.critique.analyzers.compile_errors import analyze_compile_log
from maxcode.critique.analyzers.kernel_profile import (
    analyze_kernel_profile,
    measure_peaks,
    profile_kernel,
)
from maxcode.critique.analyzers.performance import analyze_speed, speed_verdict
from maxcode.critique.analyzers.runtime_errors import analyze_crash
from maxcode.critique.analyzers.sanitizer import (
    analyze_sanitizer_report,
    find_test_input,
    rerun_with_sanitizers,
)
from maxcode.critique.analyzers.tensor_errors import analyze_kernel_mismatch, analyze_tensor_error
from maxcode.critique.analyzers.timeout import analyze_timeout
from maxcode.critique.analyzers.wrong_answer import analyze_cpp_mismatch
from maxcode.critique.base import CritiqueContext
from maxcode.critique.profile_cache import ProfileCache, profile_key
from maxcode.records.diagnosis import SOURCE_RULES, Diagnosis, Finding
from maxcode.records.evaluation import Evaluation, Status
from maxcode.sandbox.backends.base import Backend

log = logging.getLogger(__name__)

# libstdc++ headers of the containers: their inlined code dominating means the data
# structure itself is the cost (deque indexing, tree maps, hash tables).
CONTAINER_HEADERS = (
    "stl_deque",
    "stl_tree",
    "stl_map",
    "stl_set",
    "hashtable",
    "stl_list",
    "stl_vector",
    "stl_bvector",
    "stl_heap",
    "stl_queue",
)
# Below this fraction of its roofline bound a kernel is limited by its own code, not by
# the machine: fusing or moving fewer bytes will not help before that is fixed.
FAR_FROM_BOUND = 0.3
# Below this share of all instructions, no single cause is called the bottleneck.
BOTTLENECK_SHARE = 0.25


class RuleCritique:
    """Rule-based diagnosis; optional sandbox re-runs for crashes (sanitizers) and profiles."""

    def __init__(
        self,
        backend: Backend | None = None,
        image: str = "cpp",
        sanitize_crashes: bool = True,
        profile_correct: bool = True,
        profile_timeout_s: float = 120.0,
        kernel_image: str = "kernel-cpu",
        kernel_device: str = "auto",
        peaks_cache_path: str | None = None,
        profile_cache_dir: str | None = None,
    ) -> None:
        """`image` runs C++ re-runs, `kernel_image` on `kernel_device` runs kernel profiles;
        `peaks_cache_path` keeps the machine's measured peaks between runs, and
        `profile_cache_dir` the profiles of programs already profiled (by content)."""
        self.backend = backend
        self.profiles = ProfileCache(profile_cache_dir)
        self.kernel_image = kernel_image
        self.kernel_device = kernel_device
        self.peaks_cache_path = peaks_cache_path
        self.image = image
        self.sanitize_crashes = sanitize_crashes
        self.profile_correct = profile_correct
        self.profile_timeout_s = profile_timeout_s

    def diagnose(
        self,
        task: Task,
        candidate_source: str,
        evaluation: Evaluation,
        context: CritiqueContext | None = None,
    ) -> Diagnosis:
        status = Status(evaluation.status)
        tags: dict[str, object] = {"failure_class": status.value}
        findings = self._findings(task, candidate_source, evaluation, context, status)
        suggestions = suggest(findings)
        for finding in findings:
            tags.update(_tags_of(finding))
        text = "\n".join(f"- {f.summary}" for f in findings)
        if suggestions:
            text += "\nSuggestions:\n" + "\n".join(
                f"{i}. {s}" for i, s in enumerate(suggestions, 1)
            )
        return Diagnosis(
            text=text, tags=tags, findings=findings, suggestions=suggestions, source=SOURCE_RULES
        )

    def _findings(
        self,
        task: Task,
        source: str,
        evaluation: Evaluation,
        context: CritiqueContext | None,
        status: Status,
    ) -> list[Finding]:
        if status is Status.COMPILE_ERROR:
            # load_inline failures surface as a runtime exception whose text is the build log.
            return analyze_compile_log(evaluation.compile_log or evaluation.runtime_log, source)
        if status in (Status.RUNTIME_ERROR, Status.MEMORY_EXCEEDED):
            findings = analyze_crash(evaluation)
            if status is Status.MEMORY_EXCEEDED:
                findings.append(
                    Finding(
                        analyzer="runtime",
                        summary="The memory limit was exceeded: look for containers sized by the value range instead of the input size, or copies inside loops.",
                        data={"memory_exceeded": True},
                    )
                )
            elif task.family == "cpp" and self.backend is not None and self.sanitize_crashes:
                report = rerun_with_sanitizers(
                    self.backend,
                    source,
                    find_test_input(task, evaluation.failing_test),
                    image=self.image,
                )
                findings.extend(analyze_sanitizer_report(report))
            return findings
        if status is Status.WRONG_ANSWER:
            profile = (evaluation.details or {}).get("tensor_error")
            if task.family == "kernel" and isinstance(profile, dict):
                return analyze_tensor_error(profile, evaluation.failing_test)
            if task.family == "kernel":
                return analyze_kernel_mismatch(evaluation)
            return analyze_cpp_mismatch(evaluation)
        if status is Status.TIMEOUT:
            return analyze_timeout(task, source, evaluation)
        if status is Status.REJECTED:
            return [
                Finding(
                    analyzer="rejected",
                    summary=f"Rejected by the judge: {evaluation.message}",
                    data={"message": evaluation.message},
                )
            ]
        findings = analyze_speed(evaluation, context)
        if task.family == "cpp" and self.backend is not None and self.profile_correct:
            input_path = largest_test_input(task)
            profile = self._callgrind(source, input_path)
            if profile is not None:
                test = next((c.name for c in task.tests if c.input_path == input_path), "")
                findings.extend(analyze_profile(profile, source, test))
        if task.family == "kernel" and self.backend is not None and self.profile_correct:
            profile = self._kernel_profile(task.baseline_source, source)
            if profile is not None:
                peaks = measure_peaks(
                    self.backend, self.kernel_device, self.kernel_image, self.peaks_cache_path
                )
                findings.extend(analyze_kernel_profile(profile, peaks))
        return findings

    def _callgrind(self, source: str, input_path: str | None) -> CallgrindProfile | None:
        assert self.backend is not None
        key = profile_key("callgrind", _digest(callgrind.__file__), self.backend.toolchain_id(self.image),
                          f"{self.profile_timeout_s:g}", source, Path(input_path).read_bytes() if input_path else b"")
        cached = self.profiles.get(key)
        if cached is not None:
            return CallgrindProfile.from_dict(cached)
        profile = profile_with_callgrind(self.backend, source, input_path, image=self.image,
                                         timeout_s=self.profile_timeout_s)
        if profile is not None and not profile.partial:  # a cut profile depends on the wall clock
            self.profiles.put(key, profile.to_dict())
        return profile

    def _kernel_profile(self, problem_source: str, source: str) -> dict[str, Any] | None:
        assert self.backend is not None
        script = kernel_profile.SCRIPTS / "profile_kernel.py"
        key = profile_key("torch.profiler", _digest(kernel_profile.__file__), _digest(script),
                          self.backend.toolchain_id(self.kernel_image), self.kernel_device, problem_source, source)
        cached = self.profiles.get(key)
        if cached is not None:
            return cached
        profile = profile_kernel(self.backend, problem_source, source, self.kernel_device, self.kernel_image,
                                 timeout_s=self.profile_timeout_s)
        if profile is not None:
            self.profiles.put(key, profile)
        return profile


def _digest(path: str | Path) -> str:
    """The analyzer's own code is part of a profile's key: a changed parser re-profiles."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _tags_of(finding: Finding) -> dict[str, object]:
    """Short labels from a finding: fault kind, error pattern, bottleneck."""
    data = finding.data
    if finding.analyzer == "sanitizer" and data.get("kind"):
        return {"fault": data["kind"], "fault_line": data.get("line")}
    if finding.analyzer == "runtime" and (data.get("exception") or data.get("signal")):
        return {"crash": data.get("exception") or data.get("signal")}
    if finding.analyzer == "wrong_answer" and data.get("pattern"):
        return {"error_pattern": data["pattern"]}
    if finding.analyzer == "performance":
        return {"speed": data.get("verdict")}
    if finding.analyzer == "profile":
        return {"bottleneck": bottleneck(finding)}
    if finding.analyzer == "roofline":
        return {
            "bottleneck": f"{data['bound']}_bound",
            "fraction_of_bound": round(float(data["fraction_of_bound"]), 3),
        }
    if finding.analyzer == "timeout" and data.get("complexity_hint"):
        return {"bottleneck": "complexity"}
    return {}


def bottleneck(profile_finding: Finding) -> str:
    """`io`, `allocation`, `hot_loop` (one candidate line) or `spread`: the largest share wins."""
    data = profile_finding.data
    lines = data.get("hot_lines", [])
    headers = data.get("inlined_headers", [])
    shares = {
        "io": data.get("io_share", 0.0),
        "allocation": data.get("alloc_share", 0.0),
        "hot_loop": lines[0]["share"] if lines else 0.0,
        "container": sum(h["share"] for h in headers if h["file"].startswith(CONTAINER_HEADERS)),
    }
    kind, share = max(shares.items(), key=lambda kv: kv[1])
    return kind if share >= BOTTLENECK_SHARE else "spread"


def suggest(findings: list[Finding]) -> list[str]:
    """At most three concrete next steps derived from the findings, most direct first."""
    out: list[str] = []
    for f in findings:
        d = f.data
        if f.analyzer == "compile" and d.get("line") is not None and not out:
            out.append(
                f"Fix the first error at line {d['line']} ({d['message'][:120]}); later errors often follow from it."
            )
        elif f.analyzer == "sanitizer" and d.get("line"):
            out.append(
                f"Fix the {d['kind']} at line {d['line']} (`{d.get('source_line', '')[:80]}`): check the index/pointer bounds or divisor against the input sizes."
            )
        elif f.analyzer == "wrong_answer" and d.get("hint"):
            out.append(f"On test {d.get('test')}: {d['hint']}.")
        elif f.analyzer == "wrong_answer" and d.get("pattern") not in (None, "none"):
            out.append(
                f"The error pattern points to a {d['pattern'].replace('_', ' ')} bug; compare the indexing/precision against the reference."
            )
        elif f.analyzer == "timeout" and d.get("complexity_hint"):
            out.append(
                f"Reduce the complexity of the loop nest at line {d.get('deepest_loop_line')}: {d['complexity_hint']}."
            )
        elif f.analyzer == "profile":
            kind = bottleneck(f)
            if kind == "io":
                out.append(
                    "I/O dominates: use ios::sync_with_stdio(false) with cin.tie(nullptr), or read the whole input at once; avoid endl."
                )
            elif kind == "container":
                names = ", ".join(h["file"] for h in d.get("inlined_headers", [])[:2])
                out.append(
                    f"Container code dominates ({names}): use a contiguous array/vector, or a structure with cheaper access for this pattern."
                )
            elif kind == "allocation":
                out.append(
                    "Allocation dominates: reserve containers once outside the loops and reuse buffers."
                )
            lines = d.get("hot_lines", [])
            if lines:
                top = lines[0]
                out.append(
                    f"Line {top['line']} takes {top['share']:.0%} of all instructions (`{top['source_line'][:80]}`): reduce the work done there (better algorithm, hoist invariants, cache-friendly access)."
                )
        elif f.analyzer == "roofline":
            if d["fraction_of_bound"] < FAR_FROM_BOUND:
                out.append(
                    f"Only {d['fraction_of_bound']:.0%} of the {d['bound']} bound is reached: the kernel itself is inefficient; vectorize the inner loop, parallelize across cores and access memory contiguously before anything else."
                )
            elif d["bound"] == "memory":
                out.append(
                    f"Memory-bound at {d['fraction_of_bound']:.0%} of the copy-bandwidth bound: fuse passes and avoid intermediate tensors so each byte is read once."
                )
            else:
                out.append(
                    f"Compute-bound at {d['fraction_of_bound']:.0%} of the matmul rate: block for cache, vectorize the inner loop and parallelize across cores."
                )
        elif f.analyzer == "kernel_profile" and d.get("ops"):
            out.append(
                f"Most time is in {d['ops'][0]['name']}: replace or fuse that operator first."
            )
        elif (
            f.analyzer == "performance" and d.get("verdict") == "no_change" and not d.get("likely")
        ):
            out.append(
                "The change did not move the time: target the hottest code rather than cold paths."
            )
    return out[:3]


__all__ = ["RuleCritique", "bottleneck", "suggest", "speed_verdict"]
