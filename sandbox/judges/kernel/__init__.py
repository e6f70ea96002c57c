"""The kernel judge (KernelBench format): see `judge.py` for the pipeline and trust model,
`settings.py` for its settings."""

from sandbox.judges.kernel.judge import KernelJudge
from sandbox.judges.kernel.reverify import Reverification
from sandbox.judges.kernel.settings import KernelChecks, KernelLimits, KernelTiming

__all__ = ["KernelChecks", "KernelJudge", "KernelLimits", "KernelTiming", "Reverification"]
