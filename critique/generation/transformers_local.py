"""A local transformers causal LM as the critic's model (greedy, loaded on first use)."""

from __future__ import annotations

import logging
from typing import Any

from critique.errors import GenerationFailed

log = logging.getLogger(__name__)


class TransformersGenerator:
    """`generate(prompt, max_tokens=...)` with `AutoModelForCausalLM` from a local directory."""

    def __init__(
        self, model: str, device: str = "cpu", max_prompt_tokens: int | None = None
    ) -> None:
        if not model:
            raise GenerationFailed(
                "critique.generate.model is empty", "pass a local transformers model directory"
            )
        self.model = model
        self.device = device
        self.max_prompt_tokens = max_prompt_tokens
        # Greedy decoding: the same prompt gives the same diagnosis, so caching is exact.
        self.model_id = f"transformers:{model}:greedy"
        self._lm: Any = None
        self._tokenizer: Any = None

    def _load(self) -> None:
        if self._lm is not None:
            return
        from transformers import AutoModelForCausalLM, AutoTokenizer

        try:
            self._tokenizer = AutoTokenizer.from_pretrained(self.model)
            self._lm = AutoModelForCausalLM.from_pretrained(self.model).to(self.device)
        except (OSError, ValueError) as exc:
            raise GenerationFailed(
                f"cannot load transformers model {self.model!r}: {exc}",
                "pass a local model directory (no download happens offline)",
            ) from exc
        self._lm.eval()

    def __call__(self, prompt: str, *, max_tokens: int = 1024) -> str:
        import torch

        self._load()
        inputs = self._tokenizer(prompt, return_tensors="pt")
        context = self.max_prompt_tokens or getattr(
            self._lm.config, "max_position_embeddings", None
        )
        if context and inputs["input_ids"].shape[1] + max_tokens > context:
            # Keep the end of the prompt: it holds the findings and the answer format.
            keep = max(1, context - max_tokens)
            log.warning(
                "critic prompt of %d tokens cut to its last %d", inputs["input_ids"].shape[1], keep
            )
            inputs = {k: v[:, -keep:] for k, v in inputs.items()}
        inputs = {k: v.to(self.device) for k, v in inputs.items()}
        pad = (
            self._tokenizer.pad_token_id
            if self._tokenizer.pad_token_id is not None
            else self._tokenizer.eos_token_id
        )
        with torch.no_grad():
            out = self._lm.generate(
                **inputs, do_sample=False, max_new_tokens=max_tokens, pad_token_id=pad
            )
        return self._tokenizer.decode(
            out[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True
        )
