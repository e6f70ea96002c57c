"""`proposer=openai`: any OpenAI-compatible Chat Completions endpoint, over httpx.

Hosted APIs, `vllm serve`, llama.cpp's server and the like all speak this protocol. The
base URL, key and model come from the config or from OPENAI_BASE_URL / OPENAI_API_KEY /
OPENAI_MODEL. 429 and 5xx answers and connection failures are retried with exponential
backoff; when retries run out the search stops with `ProposerUnavailable` (the run is saved).
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import httpx

from maxcode.errors import ProposerUnavailable
from maxcode.proposers.base import Reply
from maxcode.proposers.llm import LLMProposer

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.openai.com/v1"
HOW_TO_CONFIGURE = (
    "set proposer.model=NAME and proposer.base_url=URL (or OPENAI_MODEL / OPENAI_BASE_URL, "
    "and OPENAI_API_KEY for hosted APIs), or run offline with proposer=library"
)


class OpenAIProposer(LLMProposer):
    """Chat Completions client with retries and `n` samples per request."""

    def __init__(self, model: str | None = None, base_url: str | None = None,
                 api_key: str | None = None, temperature: float = 0.8, top_p: float = 1.0,
                 max_tokens: int = 4096, n_per_request: int = 8, timeout_s: float = 300.0,
                 max_retries: int = 4, backoff_s: float = 2.0, send_seed: bool = True,
                 cache_path: str | None = None, seed: int = 0) -> None:
        super().__init__(cache_path=cache_path, seed=seed)
        self.model = model or os.environ.get("OPENAI_MODEL") or ""
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.api_key = api_key or os.environ.get("OPENAI_API_KEY")
        if not self.model:
            raise ProposerUnavailable("no LLM configured: proposer.model is not set", HOW_TO_CONFIGURE)
        if self.base_url == DEFAULT_BASE_URL and not self.api_key:
            raise ProposerUnavailable(
                f"no API key for {DEFAULT_BASE_URL}: OPENAI_API_KEY is not set", HOW_TO_CONFIGURE)
        self.temperature, self.top_p, self.max_tokens = temperature, top_p, max_tokens
        self.n_per_request = max(1, n_per_request)
        self.max_retries, self.backoff_s, self.send_seed = max_retries, backoff_s, send_seed
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        self.client = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout_s)

    def sampling_params(self) -> dict[str, Any]:
        return {"temperature": self.temperature, "top_p": self.top_p, "max_tokens": self.max_tokens,
                "base_url": self.base_url}

    def generate(self, messages: list[dict[str, str]], n: int, seed: int) -> list[Reply]:
        replies: list[Reply] = []
        # Endpoints may cap or ignore `n`: keep asking until n samples came back.
        while len(replies) < n:
            want = min(self.n_per_request, n - len(replies))
            body: dict[str, Any] = {"model": self.model, "messages": messages, "n": want,
                                    "temperature": self.temperature, "top_p": self.top_p,
                                    "max_tokens": self.max_tokens}
            if self.send_seed:
                body["seed"] = seed + len(replies)
            started = time.monotonic()
            data = self._post(body)
            latency = time.monotonic() - started
            choices = data.get("choices") or []
            if not choices:
                raise ProposerUnavailable(f"{self.base_url} answered without choices: {str(data)[:200]}",
                                          "check that the endpoint serves chat completions for this model")
            usage = data.get("usage") or {}
            completion_total = int(usage.get("completion_tokens") or 0)
            for j, choice in enumerate(choices[:want]):
                text = (choice.get("message") or {}).get("content") or ""
                replies.append(Reply(
                    text=text, model=data.get("model") or self.model, calls=1 if j == 0 else 0,
                    prompt_tokens=int(usage.get("prompt_tokens") or 0) if j == 0 else 0,
                    # Usage is per request: split the completion tokens evenly over its samples.
                    completion_tokens=completion_total // len(choices[:want])
                    + (completion_total % len(choices[:want]) if j == 0 else 0),
                    latency_s=latency, meta={"finish_reason": choice.get("finish_reason")}))
        return replies

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        last = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                delay = self.backoff_s * 2 ** (attempt - 1)
                log.warning("%s; retry %d/%d in %.1fs", last, attempt, self.max_retries, delay)
                time.sleep(delay)
            try:
                response = self.client.post("/chat/completions", json=body)
            except httpx.HTTPError as exc:
                last = f"{self.base_url} unreachable ({type(exc).__name__}: {exc})"
                continue
            if response.status_code == 429 or response.status_code >= 500:
                last = f"{self.base_url} answered HTTP {response.status_code}: {response.text[:200]}"
                continue
            if response.status_code >= 400:
                raise ProposerUnavailable(
                    f"{self.base_url} refused the request: HTTP {response.status_code}: {response.text[:300]}",
                    "check proposer.model, the API key and the endpoint's accepted parameters")
            try:
                return response.json()
            except ValueError:
                last = f"{self.base_url} answered with invalid JSON: {response.text[:200]}"
        raise ProposerUnavailable(f"{last} (after {self.max_retries} retries)",
                                  "check that the endpoint is up, then re-run with the same "
                                  "run_dir to resume")
