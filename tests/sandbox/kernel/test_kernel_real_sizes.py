"""Published KernelBench sizes: a 268 MB-per-output LayerNorm gets a verdict on both backends.

Before: Docker ran out of its workspace tmpfs ("No space left on device") and exited with no
verdict; the local backend truncated the saved outputs and judged a correct candidate
`rejected`. Now outputs too large to keep whole are checked by fingerprint, and a limit the
judge hits is named with its knob, never blamed on the candidate.
"""

from __future__ import annotations

import pytest
from conftest import source
from maxcode.records.errors import TaskError
from maxcode.records.evaluation import Status

LAYERNORM = source("layernorm_real_size_problem.py")
# Few calls: each one is 268 MB in and out, and generating the input dominates.
REAL_SIZE = dict(correctness_trials=2, warmup_trials=0, min_trials=1, max_trials=1, processes=2,
                 time_target_s=0.0, require_custom_kernel=False, run_timeout_s=300.0, threads=None)


# The docker case runs in CI; the local one (-m slow) for CI's half-hour budget.
@pytest.mark.parametrize("kind", [pytest.param("local", marks=pytest.mark.slow), "docker"])
def test_real_size_layernorm_gets_a_verdict(kind, request, make_judge):
    backend = request.getfixturevalue(f"{kind}_backend")
    judge = make_judge(backend, **REAL_SIZE)
    ev = judge.evaluate(LAYERNORM, source("layernorm_torch.py"))
    assert ev.status is Status.OK and ev.correct, ev.message
    # One 268 MB output fits the 256 MiB kept whole; the second call is checked by fingerprint.
    assert ev.details["full_output_trials"] == 1
    assert ev.peak_memory_bytes and ev.peak_memory_bytes > 2 * 268e6


def test_a_wrong_output_too_large_to_keep_is_a_wrong_answer(local_backend, make_judge):
    judge = make_judge(local_backend, **{**REAL_SIZE, "correctness_trials": 1, "max_saved_output_bytes": 0})
    wrong = source("layernorm_torch.py").replace("return F.layer_norm", "return 1.1 * F.layer_norm")
    assert wrong != source("layernorm_torch.py")
    bad = judge.evaluate(LAYERNORM, wrong)
    # 10% off everywhere: caught on the sampled elements (projections alone could miss it).
    assert bad.status is Status.WRONG_ANSWER and "sampled elements" in bad.message, bad.message


def test_a_limit_of_the_judge_is_named_with_its_knob(local_backend, make_judge):
    judge = make_judge(local_backend, **{**REAL_SIZE, "memory_bytes": 300 * 2**20})
    with pytest.raises(TaskError) as info:
        judge.evaluate(LAYERNORM, source("layernorm_torch.py"))
    assert "judge.kernel.limits.memory_bytes" in info.value.fix
