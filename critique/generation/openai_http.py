"""An OpenAI-compatible Chat Completions client on the standard library (urllib).

Enough for a critic: one prompt, one reply, low temperature, a short timeout and one retry
on 429/5xx/connection errors; anything else raises `GenerationFailed` so the critic falls
back to its rules instead of stalling the search.
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.request
from typing import Any

from critique.errors import GenerationFailed

log = logging.getLogger(__name__)

HOW_TO_CONFIGURE = "set critique.generate.model and critique.generate.base_url (or OPENAI_MODEL / OPENAI_BASE_URL / OPENAI_API_KEY), or use critique=rules"


class OpenAIChatGenerator:
    """`generate(prompt, max_tokens=...)` over POST {base_url}/chat/completions."""

    def __init__(
        self,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        temperature: float = 0.0,
        timeout_s: float = 60.0,
        max_retries: int = 1,
        backoff_s: float = 1.0,
    ) -> None:
        self.model = model or os.environ.get("OPENAI_MODEL") or ""
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or "").rstrip("/")
        self.api_key = api_key or os.environ.get("OPENAI_API_KEY") or ""
        self.temperature = temperature
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.model_id = f"openai-chat:{self.base_url}:{self.model}:t={temperature}"

    def __call__(self, prompt: str, *, max_tokens: int = 1024) -> str:
        # Checked here, not at construction, so a config without an endpoint still builds
        # (the loop may inject the proposer's generator instead) and the critic falls back.
        if not self.model or not self.base_url:
            raise GenerationFailed(
                "the LLM critic has no model or endpoint configured", HOW_TO_CONFIGURE
            )
        body = {
            "model": self.model,
            "messages": [{"role": "user", "content": prompt}],
            "temperature": self.temperature,
            "max_tokens": max_tokens,
        }
        data = self._post(body)
        choices = data.get("choices") or []
        text = ((choices[0].get("message") or {}).get("content") or "") if choices else ""
        if not text.strip():
            raise GenerationFailed(
                f"{self.base_url} returned no text: {json.dumps(data)[:200]}",
                "check the model name and the endpoint",
            )
        return text

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        last = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
                log.warning("critic LLM: %s; retry %d/%d", last, attempt, self.max_retries)
            request = urllib.request.Request(
                f"{self.base_url}/chat/completions",
                data=json.dumps(body).encode(),
                headers=headers,
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    return json.loads(response.read().decode())
            except urllib.error.HTTPError as exc:
                last = f"HTTP {exc.code} from {self.base_url}: {exc.read()[:200]!r}"
                if exc.code != 429 and exc.code < 500:
                    break
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                last = f"{self.base_url} unreachable ({exc})"
            except json.JSONDecodeError as exc:
                last = f"{self.base_url} answered invalid JSON ({exc})"
        raise GenerationFailed(last, "check that the endpoint is up, or use critique=rules")
