"""Timeouts (the C++ judge's verdicts, complexity hint) and callgrind profiles of real programs."""

from __future__ import annotations

from pathlib import Path

from critique_support import PIE_MINI, line_of, pie_task
from maxcode.critique.analyzers.callgrind import (
    analyze_profile,
    largest_test_input,
    profile_with_callgrind,
)
from maxcode.critique.analyzers.timeout import analyze_timeout, loop_nesting
from maxcode.critique.rules import bottleneck
from maxcode.records.evaluation import Status

# The baseline's pair scan recounted for every prefix: O(n^3), the last count is the answer.
_PREFIX_RECOUNT = """    long long inversions = 0;
    for (int m = 1; m <= n; m++) {
        long long in_prefix = 0;
        for (int i = 0; i < m; i++)
            for (int j = i + 1; j < m; j++)
                if (a[i] > a[j]) in_prefix++;
        inversions = in_prefix;
    }
"""


def test_timeout_reports_size_and_cubic_hint(make_judge):
    task = pie_task("pm03_inversions")
    baseline = task.baseline_source
    scan = baseline[baseline.index("    long long inversions") : baseline.index("    cout <<")]
    source = baseline.replace(scan, _PREFIX_RECOUNT)
    biggest = max(task.tests, key=lambda c: Path(c.input_path).stat().st_size)
    n = int(Path(biggest.input_path).read_text().split()[0])
    # 2 s: about 8x what the quadratic baseline takes on this input (the judge validates it
    # under the same limit), while n^3/6 ≈ 5e11 steps cannot finish.
    judge = make_judge(run_limits={"wall_time_s": 2.0})
    evaluation = judge.evaluate(baseline, source, [biggest])
    assert evaluation.status is Status.TIMEOUT and evaluation.failing_test == biggest.name
    finding = analyze_timeout(task, source, evaluation)[0]
    assert finding.data["test"] == biggest.name
    assert finding.data["time_limit_s"] == 2.0  # read from the judge's message
    assert finding.data["input_n"] == n and finding.data["loop_depth"] == 3
    assert finding.data["deepest_loop_line"] == line_of(source, "for (int j = i + 1")
    assert "too slow" in finding.data["complexity_hint"]


def test_loop_nesting_ignores_comments_and_strings():
    source = 'int main(){\n  // for (;;) for (;;)\n  const char* s = "while(1)";\n  for (int i=0;i<3;i++)\n    for (int j=0;j<3;j++) { while (x) x--; }\n}\n'
    nest = loop_nesting(source)
    assert nest.depth == 3 and nest.line == 5


def test_callgrind_hot_line_is_the_inner_loop(backend):
    task = pie_task("pm01_range_sum")
    source = task.baseline_source
    # Test 4: big enough for the quadratic loop to dominate the I/O, small enough for valgrind.
    mid = next(c for c in task.tests if c.name == "4")
    profile = profile_with_callgrind(backend, source, mid.input_path, timeout_s=60)
    assert profile is not None and profile.total > 0
    assert sum(profile.functions.values()) == profile.total
    top_line, _ = profile.lines.most_common(1)[0]
    assert top_line == line_of(source, "s += a[i]")
    finding = analyze_profile(profile, source, mid.name)[0]
    assert finding.data["hot_lines"][0]["source_line"].startswith("for (int i = l - 1")
    assert bottleneck(finding) == "hot_loop"


def test_callgrind_sees_io_bound_program(backend):
    task = pie_task("pm01_range_sum")
    source = (
        PIE_MINI / "pm01_range_sum" / "reference.cpp"
    ).read_text()  # prefix sums: I/O is what is left
    profile = profile_with_callgrind(backend, source, largest_test_input(task), timeout_s=60)
    finding = analyze_profile(profile, source)[0]
    assert bottleneck(finding) == "io"
    assert any(
        "scanf" in f["function"] or "printf" in f["function"] or "_IO_" in f["function"]
        for f in finding.data["hot_functions"]
    )


def test_callgrind_budget_gives_partial_profile(backend):
    task = pie_task("pm03_inversions")
    profile = profile_with_callgrind(
        backend, task.baseline_source, largest_test_input(task), timeout_s=2
    )
    assert profile is not None and profile.partial
    top_line, _ = profile.lines.most_common(1)[0]
    assert top_line in (
        line_of(task.baseline_source, "for (int j = i + 1"),
        line_of(task.baseline_source, "if (a[i] > a[j])"),
    )


class CountingBackend:
    """The real backend, counting the sandbox runs asked of it."""

    def __init__(self, backend) -> None:
        self.backend, self.runs = backend, 0

    def run(self, spec):
        self.runs += 1
        return self.backend.run(spec)

    def toolchain_id(self, image: str) -> str:
        return self.backend.toolchain_id(image)


def test_a_program_met_again_is_not_profiled_again(backend, judge, tmp_path):
    """Another run (another strategy or seed of a sweep, a resume) meeting a program already
    profiled reads its profile from the cache: the same diagnosis, no callgrind. A changed
    program, or a damaged entry, is profiled again."""
    from maxcode.critique.rules import RuleCritique

    task = pie_task("pm01_range_sum")
    task.tests = [c for c in task.tests if c.name in ("0", "3")]  # test 3 (70 KB): callgrind in a second
    source = task.baseline_source
    evaluation = judge.evaluate(source, source, task.tests)
    assert evaluation.status is Status.OK
    counting = CountingBackend(backend)
    cache = tmp_path / "profiles"

    def diagnose(program: str):
        return RuleCritique(counting, profile_cache_dir=str(cache), profile_timeout_s=60).diagnose(
            task, program, evaluation)

    first = diagnose(source)
    assert counting.runs == 1 and first.tags["bottleneck"]
    again = diagnose(source)
    assert counting.runs == 1 and (again.text, again.tags) == (first.text, first.tags)
    diagnose(source.replace("long long s = 0;", "long long s = 0;  // another program"))
    assert counting.runs == 2
    for entry in cache.glob("*.json"):
        entry.write_text('{"total": 1')  # cut by a crash
    damaged = diagnose(source)
    assert counting.runs == 3 and damaged.tags == first.tags
