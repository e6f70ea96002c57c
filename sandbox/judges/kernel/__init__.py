"""The kernel judge (KernelBench format): see `judge.py` for the pipeline and trust model."""

from sandbox.judges.kernel.judge import KernelJudge

__all__ = ["KernelJudge"]
