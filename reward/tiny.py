"""A from-scratch base for the LM ranker when no pretrained code model is at hand (CPU
benches): a byte-level BPE tokenizer trained on the training prompts and a 2-layer GPT-2.

Its weights are random, so the recipe favours what a random model can learn from in a few
hundred steps: a wide initialization, no dropout, and zeroed position embeddings (the
prompt is read as a bag of tokens). Train it with adapters on the token embeddings as well
(`lm.target_modules=c_attn,c_proj,c_fc,wte`). A real run uses a pretrained code LM.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

TINY_TARGETS = "c_attn,c_proj,c_fc,wte"
TINY_BASE = "tiny"
"""`rtg train base_model=tiny`: build this base on the training prompts instead of loading one."""
TINY_RECIPE = {"batch_size": 8, "learning_rate": 2e-3, "vocab_loss_weight": 0.0, "max_grad_norm": 100.0,
               "threads": 1, "max_length": 1024, "target_modules": TINY_TARGETS}
"""LM settings (maxcode.reward.lm.LMConfig) a random base learns with; a setting changed from its default wins."""


def with_tiny_recipe(lm: Any) -> Any:
    """`lm` with TINY_RECIPE in place of every setting still at its default."""
    default = type(lm)()
    return dataclasses.replace(lm, **{k: v for k, v in TINY_RECIPE.items() if getattr(lm, k) == getattr(default, k)})


def build_tiny_base(directory: Path, corpus: Sequence[str], vocab_size: int = 1000,
                    n_embd: int = 64, seed: int = 0) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(list(corpus), trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=["<unk>", "<pad>", "<eos>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", pad_token="<pad>",
                                   eos_token="<eos>")
    fast.save_pretrained(directory)
    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=len(fast), n_positions=4096, n_embd=n_embd, n_layer=2, n_head=2,
                        initializer_range=0.3, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                        bos_token_id=fast.eos_token_id, eos_token_id=fast.eos_token_id,
                        pad_token_id=fast.pad_token_id)
    model = GPT2LMHeadModel(config)
    with torch.no_grad():
        model.transformer.wpe.weight.zero_()
    model.save_pretrained(directory)
    return directory
