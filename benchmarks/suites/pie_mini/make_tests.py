"""Regenerate and verify the pie-mini test cases.

    python benchmarks/suites/pie_mini/make_tests.py [--verify] [PROBLEM ...]

For each problem: run `gen.py` (seeded) to write `tests/input.N.txt`, compile
`reference.cpp` with `g++ -std=c++17 -O3` and run it to write `tests/output.N.txt`.
With `--verify`, also compile `slow.cpp` and every variant, run each on every test and
report which tests pass and the runtime ratio to `slow.cpp` (sum over tests, best of 3
runs), so a maintainer sees at once whether every program still behaves as labelled.
This is a maintainer's script; the product's own check is `maxcode suite check pie-mini`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SUITE_DIR = Path(__file__).resolve().parent
CXX = ["g++", "-std=c++17", "-O3", "-o"]
VARIANTS = ("faster", "marginal", "slower", "wrong")


def compile_program(source: Path, build_dir: Path) -> Path:
    binary = build_dir / f"{source.parent.name}_{source.stem}"
    subprocess.run([*CXX, str(binary), str(source)], check=True)
    return binary


def run_program(binary: Path, input_path: Path, timeout_s: float = 20.0) -> tuple[str, float, int]:
    with input_path.open("rb") as stdin:
        start = time.perf_counter()
        proc = subprocess.run([str(binary)], stdin=stdin, capture_output=True, timeout=timeout_s)
        elapsed = time.perf_counter() - start
    return proc.stdout.decode(errors="replace"), elapsed, proc.returncode


def same_output(got: str, expected: str) -> bool:
    # All pie-mini outputs are integers or words, so PIE's numeric tolerance never matters.
    return [line.strip() for line in got.strip().splitlines()] == [
        line.strip() for line in expected.strip().splitlines()
    ]


def test_indices(problem: Path) -> list[int]:
    return sorted(int(p.name.split(".")[1]) for p in (problem / "tests").glob("input.*.txt"))


def generate(problem: Path, build_dir: Path) -> None:
    tests = problem / "tests"
    tests.mkdir(exist_ok=True)
    for old in tests.glob("*.txt"):
        old.unlink()
    subprocess.run([sys.executable, str(problem / "gen.py"), str(tests)], check=True)
    reference = compile_program(problem / "reference.cpp", build_dir)
    for i in test_indices(problem):
        out, elapsed, code = run_program(reference, tests / f"input.{i}.txt")
        if code != 0:
            raise SystemExit(f"{problem.name}: reference exited {code} on input.{i}.txt")
        (tests / f"output.{i}.txt").write_text(out)
    print(f"{problem.name}: {len(test_indices(problem))} tests written")


def timed_run(binary: Path, problem: Path, repeats: int = 3) -> tuple[list[bool], float, float]:
    """Per-test pass flags, best total time over all tests, best time on the largest input."""
    tests = problem / "tests"
    indices = test_indices(problem)
    largest = max(indices, key=lambda i: (tests / f"input.{i}.txt").stat().st_size)
    passed: list[bool] = []
    best_total = best_largest = float("inf")
    for r in range(repeats):
        total = 0.0
        for i in indices:
            out, elapsed, code = run_program(binary, tests / f"input.{i}.txt")
            total += elapsed
            if i == largest:
                best_largest = min(best_largest, elapsed)
            if r == 0:
                passed.append(
                    code == 0 and same_output(out, (tests / f"output.{i}.txt").read_text())
                )
        best_total = min(best_total, total)
    return passed, best_total, best_largest


def verify(problem: Path, build_dir: Path) -> bool:
    ok = True
    slow_pass, slow_total, slow_largest = timed_run(
        compile_program(problem / "slow.cpp", build_dir), problem
    )
    print(
        f"{problem.name}: slow total {slow_total:.3f}s, largest {slow_largest:.3f}s, "
        f"passes {sum(slow_pass)}/{len(slow_pass)}"
    )
    ok &= all(slow_pass)
    for variant in VARIANTS:
        binary = compile_program(problem / "variants" / f"{variant}.cpp", build_dir)
        passed, total, _ = timed_run(binary, problem)
        ratio = slow_total / total
        expected = {
            "faster": all(passed) and ratio >= 1.5,
            "marginal": all(passed) and 0.97 <= ratio < 1.5,
            "slower": all(passed) and ratio < 0.9,
            "wrong": any(passed) and not all(passed),
        }[variant]
        ok &= expected
        flags = "".join("." if p else "x" for p in passed)
        print(
            f"  {variant:9s} tests {flags:8s} speedup {ratio:6.2f}  {'OK' if expected else 'MISMATCH'}"
        )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("problems", nargs="*", help="problem folders (default: all)")
    parser.add_argument("--verify", action="store_true", help="also check every variant's label")
    parser.add_argument("--no-generate", action="store_true", help="keep the existing tests")
    args = parser.parse_args()
    names = args.problems or sorted(p.name for p in SUITE_DIR.iterdir() if (p / "gen.py").exists())
    ok = True
    with tempfile.TemporaryDirectory() as build:
        for name in names:
            problem = SUITE_DIR / name
            if not args.no_generate:
                generate(problem, Path(build))
            if args.verify:
                ok &= verify(problem, Path(build))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
