"""`proposer=hf`: a local transformers causal LM (a hub name or a directory).

Samples of one request are generated as one batch (`num_return_sequences`), in chunks of
`batch_size`. The model's chat template formats the messages when it has one; otherwise
the messages are joined as plain text. The model loads on the first request.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from maxcode.errors import ProposerUnavailable
from maxcode.proposers.base import Reply
from maxcode.proposers.llm import LLMProposer
from maxcode.reward.lm import context_length

log = logging.getLogger(__name__)

# Fewer prompt tokens than this cannot hold a task: an error, not a cut.
MIN_PROMPT_TOKENS = 32


class HFProposer(LLMProposer):
    """Sampling from a transformers model."""

    def __init__(self, model: str | None = None, temperature: float = 0.8, top_p: float = 0.95,
                 max_new_tokens: int = 2048, batch_size: int = 4, device: str = "auto",
                 dtype: str = "auto", cache_path: str | None = None, seed: int = 0) -> None:
        super().__init__(cache_path=cache_path, seed=seed)
        if not model:
            raise ProposerUnavailable("proposer=hf needs a model",
                                      "pass proposer.model=NAME_OR_DIR (a transformers causal LM)")
        self.model = model
        self.temperature, self.top_p = temperature, top_p
        self.max_new_tokens, self.batch_size = max_new_tokens, max(1, batch_size)
        self.device, self.dtype = device, dtype
        self._lm: Any = None
        self._tokenizer: Any = None

    def sampling_params(self) -> dict[str, Any]:
        return {"temperature": self.temperature, "top_p": self.top_p,
                "max_new_tokens": self.max_new_tokens}

    def _load(self) -> None:
        if self._lm is not None:
            return
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        device = self.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(self.model)
            self._lm = AutoModelForCausalLM.from_pretrained(self.model, dtype=self.dtype).to(device)
        except (OSError, ValueError) as exc:
            raise ProposerUnavailable(f"cannot load transformers model {self.model!r}: {exc}",
                                      "pass a local model directory or a hub name available offline") from exc
        self._lm.eval()
        if self._tokenizer.pad_token is None:
            self._tokenizer.pad_token = self._tokenizer.eos_token
        log.info("hf: loaded %s on %s", self.model, device)

    def _prompt(self, messages: list[dict[str, str]]) -> str:
        if getattr(self._tokenizer, "chat_template", None):
            return self._tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return "\n\n".join(m["content"] for m in messages) + "\n\n"

    def _fit(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """The prompt within the model's context, leaving room for `max_new_tokens`.

        An observation grows with its history, and a local model's context can be short
        (GPT-2's layout: 1024 positions). Too long, the prompt's middle goes: its head (system
        prompt and task, which come first) and its tail (the latest program, its feedback and
        the request, which come last) are kept, with a marker where the oldest history was.
        With no room for a useful prompt at all, one clear error instead of a traceback."""
        import torch

        context = context_length(self._lm)
        ids = inputs["input_ids"]
        if not context or ids.shape[1] + self.max_new_tokens <= context:
            return inputs
        room = context - self.max_new_tokens
        if room < MIN_PROMPT_TOKENS:
            raise ProposerUnavailable(
                f"hf: {self.model} has a context of {context} tokens; max_new_tokens={self.max_new_tokens} "
                f"leaves {room} for a prompt of {ids.shape[1]} tokens",
                "lower proposer.max_new_tokens, shorten the observation (observation.history), "
                "or use a model with a longer context")
        marker = self._tokenizer("\n[... older history cut to fit the model's context ...]\n",
                                 return_tensors="pt")["input_ids"][:, :room // 4]
        head = (room - marker.shape[1]) // 2
        tail = room - marker.shape[1] - head
        log.warning("hf: prompt of %d tokens cut to %d (model context %d, %d new tokens): its first %d and "
                    "last %d kept", ids.shape[1], room, context, self.max_new_tokens, head, tail)
        fitted = torch.cat([ids[:, :head], marker.to(ids.dtype), ids[:, ids.shape[1] - tail:]], dim=1)
        return {"input_ids": fitted, "attention_mask": torch.ones_like(fitted)}

    def generate(self, messages: list[dict[str, str]], n: int, seed: int) -> list[Reply]:
        import torch

        self._load()
        inputs = self._fit(self._tokenizer(self._prompt(messages), return_tensors="pt"))
        inputs = {k: v.to(self._lm.device) for k, v in inputs.items()}
        prompt_len = inputs["input_ids"].shape[1]
        replies: list[Reply] = []
        while len(replies) < n:
            chunk = min(self.batch_size, n - len(replies))
            torch.manual_seed(seed + len(replies))
            started = time.monotonic()
            with torch.no_grad():
                out = self._lm.generate(
                    **inputs, do_sample=self.temperature > 0, temperature=self.temperature or None,
                    top_p=self.top_p, max_new_tokens=self.max_new_tokens,
                    num_return_sequences=chunk, pad_token_id=self._tokenizer.pad_token_id)
            latency = time.monotonic() - started
            for j, seq in enumerate(out):
                completion = seq[prompt_len:]
                pad = self._tokenizer.pad_token_id
                tokens = int((completion != pad).sum()) if pad is not None else len(completion)
                replies.append(Reply(
                    text=self._tokenizer.decode(completion, skip_special_tokens=True),
                    model=self.model, calls=1 if j == 0 else 0,
                    prompt_tokens=prompt_len if j == 0 else 0, completion_tokens=tokens,
                    latency_s=latency))
        return replies
