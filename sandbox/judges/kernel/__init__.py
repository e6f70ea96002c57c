"""The kernel judge (KernelBench format): see `judge.py` for the pipeline and trust model,
`settings.py` for its settings."""

from maxcode.sandbox.judges.kernel.judge import KernelJudge
from maxcode.sandbox.judges.kernel.reverify import Reverification
from maxcode.sandbox.judges.kernel.settings import KernelChecks, KernelLimits, KernelTiming

__all__ = ["KernelChecks", "KernelJudge", "KernelLimits", "KernelTiming", "Reverification"]
