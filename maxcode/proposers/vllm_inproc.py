"""`proposer=vllm`: an in-process `vllm.LLM` (optional extra `maxcode[vllm]`, needs a GPU).

Without vllm installed this proposer refuses to start and says what to do instead: serve
the model with `vllm serve` and use `proposer=openai`.
"""

from __future__ import annotations

import time
from typing import Any

from maxcode.errors import ProposerUnavailable
from maxcode.proposers.base import Reply
from maxcode.proposers.llm import LLMProposer


class VLLMProposer(LLMProposer):
    """Sampling with vLLM's offline engine."""

    def __init__(self, model: str | None = None, temperature: float = 0.8, top_p: float = 0.95,
                 max_tokens: int = 4096, tensor_parallel_size: int = 1,
                 gpu_memory_utilization: float = 0.9, cache_path: str | None = None,
                 seed: int = 0) -> None:
        super().__init__(cache_path=cache_path, seed=seed)
        try:
            import vllm
        except ImportError as exc:
            raise ProposerUnavailable(
                "proposer=vllm needs the vllm package, which is not installed",
                "pip install 'maxcode[vllm]' on a GPU machine, or run `vllm serve MODEL` and use "
                "proposer=openai proposer.base_url=http://HOST:8000/v1 proposer.model=MODEL") from exc
        if not model:
            raise ProposerUnavailable("proposer=vllm needs a model", "pass proposer.model=NAME_OR_DIR")
        self.model = model
        self.temperature, self.top_p, self.max_tokens = temperature, top_p, max_tokens
        self._vllm = vllm
        self._llm = vllm.LLM(model=model, tensor_parallel_size=tensor_parallel_size,
                             gpu_memory_utilization=gpu_memory_utilization, seed=seed)

    def sampling_params(self) -> dict[str, Any]:
        return {"temperature": self.temperature, "top_p": self.top_p, "max_tokens": self.max_tokens}

    def generate(self, messages: list[dict[str, str]], n: int, seed: int) -> list[Reply]:
        params = self._vllm.SamplingParams(n=n, temperature=self.temperature, top_p=self.top_p,
                                           max_tokens=self.max_tokens, seed=seed)
        started = time.monotonic()
        result = self._llm.chat([messages], params, use_tqdm=False)[0]
        latency = time.monotonic() - started
        prompt_tokens = len(result.prompt_token_ids or [])
        return [Reply(text=o.text, model=self.model, calls=1 if j == 0 else 0,
                      prompt_tokens=prompt_tokens if j == 0 else 0,
                      completion_tokens=len(o.token_ids), latency_s=latency,
                      meta={"finish_reason": o.finish_reason})
                for j, o in enumerate(result.outputs)]
