"""The C++ judge (PIE format): `CppJudge(backend, timing, ...).evaluate(baseline, candidate, tests)`."""

from maxcode.sandbox.judges.cpp.judge import CppJudge

__all__ = ["CppJudge"]
