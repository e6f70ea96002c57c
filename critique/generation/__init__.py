"""Minimal text-generation backends for the LLM critic (no `maxcode` import).

Each is a `critique.base.TextGenerator` with a `model_id` for the cache key:
- `openai_http.OpenAIChatGenerator`: any OpenAI-compatible `/v1/chat/completions` endpoint;
- `transformers_local.TransformersGenerator`: a local transformers causal LM directory.
The search loop may instead inject its proposer's generator (`LLMProposer.text_generator()`).
"""
