"""Start a `maxcode` process that Ctrl-C (SIGINT) reaches, however the tests were started.

A shell without job control starts background commands with SIGINT ignored, children inherit
that, and Python then never installs its KeyboardInterrupt handler: `bash .ci/run &` turned
every Ctrl-C test into a run that finished with exit 0. The child restores the default first.
"""

from __future__ import annotations

import signal
import subprocess


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def popen(cmd: list[str], **kwargs) -> subprocess.Popen:
    """`subprocess.Popen` whose child takes SIGINT as Ctrl-C."""
    return subprocess.Popen(cmd, preexec_fn=_default_sigint, **kwargs)
