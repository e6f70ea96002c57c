"""A tiny randomly initialized causal LM built locally (no hub access): a byte-level BPE
tokenizer trained on a few strings, a chat template, and a 2-layer GPT-2 with 32-wide
embeddings, widely initialized. Its output is noise - which is the point: the loop and the
critic must survive it. Used by the hf proposer, optimize and LLM-critic tests."""

from __future__ import annotations

from pathlib import Path

CHAT_TEMPLATE = ("{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}"
                 "{% if add_generation_prompt %}<|assistant|>{% endif %}")


def build_tiny_lm(directory: Path, corpus: list[str] | None = None, vocab_size: int = 400,
                  initializer_range: float = 1.0, n_embd: int = 32, n_positions: int = 4096) -> Path:
    """`corpus` (extra tokenizer training text), `vocab_size`, `initializer_range` and
    `n_embd` default to the noisy model above; the reward-to-go tests train the tokenizer
    on their training split and use a narrow initialization, so the model can learn.
    `n_positions`: the context (GPT-2 itself and many small code models have 1024)."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<unk>", "<pad>", "<eos>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    corpus = ["int main() { return 0; }", "```cpp\n#include <cstdio>\n```", "Optimize this program.",
              "class ModelNew(nn.Module):", "for (int i = 0; i < n; ++i) sum += a[i];"] * 20 + list(corpus or [])
    tok.train_from_iterator(corpus, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", pad_token="<pad>",
                                   eos_token="<eos>")
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(directory)
    torch.manual_seed(0)
    # A wide initialization, so greedy decoding does not collapse onto one whitespace token.
    config = GPT2Config(vocab_size=len(fast), n_positions=n_positions, n_embd=n_embd, n_layer=2, n_head=2,
                        initializer_range=initializer_range,
                        bos_token_id=fast.eos_token_id, eos_token_id=fast.eos_token_id,
                        pad_token_id=fast.pad_token_id)
    GPT2LMHeadModel(config).save_pretrained(directory)
    return directory
