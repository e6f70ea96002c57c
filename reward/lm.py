"""The generative reward-to-go model: a causal LM with a LoRA adapter that writes a bin token.

Each example is rendered as a prompt (`maxcode.reward.scorer.render`) followed by one label token
per bin (`A`, `B`, ... : single tokens in every byte-level or sentencepiece vocabulary we
know; a base whose tokenizer splits them is refused). Training is transformers' `Trainer`
(progress bar, checkpoints every `save_steps`, resume from the last one) with the loss on
the bin token only. The score of a candidate is the expected speedup under the
probabilities of the bin tokens after its prompt.

The model directory holds the adapter (`adapter_model.safetensors`, `adapter_config.json`),
the tokenizer, and `rtg_config.json` (bins, history, base model path, training config).
"""

from __future__ import annotations

import logging
import string
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maxcode.reward.dataset import Bins
from maxcode.reward.errors import ModelError
from maxcode.reward.scorer import expected, read_config, render, write_config

log = logging.getLogger(__name__)

LABELS = string.ascii_uppercase


@dataclass
class LMConfig:
    """Settings of the LM reward-to-go model (saved with the adapter)."""

    max_length: int = 2048
    """Prompt tokens kept (from the right: the candidate is last); never more than the base
    model's own context (a GPT-2 layout has 1024 positions)."""
    max_program_chars: int = 4000
    """Each program in the prompt is cut to this many characters."""
    lora_r: int = 16
    """LoRA rank."""
    lora_alpha: int = 32
    """LoRA scaling numerator."""
    lora_dropout: float = 0.0
    """Dropout on the LoRA path."""
    target_modules: str = "all-linear"
    """Modules that get an adapter: `all-linear` or a comma-separated list of names."""
    learning_rate: float = 2e-4
    """AdamW learning rate."""
    epochs: float = 3.0
    """Passes over the training split (ignored when max_steps > 0)."""
    max_steps: int = -1
    """Optimizer steps; -1: from epochs."""
    batch_size: int = 4
    """Examples per device batch."""
    save_steps: int = 50
    """A checkpoint every this many steps (resume starts from the last)."""
    logging_steps: int = 10
    """Loss logged every this many steps."""
    seed: int = 0
    """Seed of the adapter initialisation and of the data order."""
    vocab_loss_weight: float = 0.1
    """Weight of the cross-entropy of the bin token over the whole vocabulary, added to the
    cross-entropy over the bin tokens only (the distribution the score reads)."""
    max_grad_norm: float = 1.0
    """Gradient clipping norm."""
    threads: int = 0
    """CPU threads torch may use; 0: its default (on a loaded shared CPU, 1 is often fastest)."""


def label_ids(tokenizer: Any, count: int) -> list[int]:
    if count > len(LABELS):
        raise ModelError(f"{count} bins: at most {len(LABELS)} are supported", "use fewer bins.edges")
    ids = []
    for label in LABELS[:count]:
        encoded = tokenizer.encode(label, add_special_tokens=False)
        if len(encoded) != 1:
            raise ModelError(f"the base model's tokenizer splits the bin label {label!r} into "
                             f"{len(encoded)} tokens", "use a base model whose vocabulary has single "
                             "capital letters (every GPT-2, Llama, Qwen tokenizer does)")
        ids.append(encoded[0])
    return ids


def load_base(base_model: str, device: str) -> tuple[Any, Any]:
    """Tokenizer and causal LM of `base_model` (a local directory; nothing is downloaded)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not Path(base_model).is_dir():
        raise ModelError(f"base_model {base_model} is not a directory",
                         "give the local directory of a Hugging Face causal LM (the hub is offline)")
    try:
        tokenizer = AutoTokenizer.from_pretrained(base_model)
        model = AutoModelForCausalLM.from_pretrained(
            base_model, dtype=torch.bfloat16 if device == "cuda" else torch.float32)
    except Exception as exc:  # transformers raises many types for a broken directory
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ModelError(f"base_model {base_model} does not load: {type(exc).__name__}: {first[:200]}",
                         "give the directory of a Hugging Face causal LM (config.json, weights, "
                         "tokenizer files)") from None
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer, model.to(device)


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def context_length(model: Any) -> int | None:
    """Positions the model can attend over (None when its config does not say)."""
    config = getattr(model, "config", None)
    for key in ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length"):
        value = getattr(config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def encode(tokenizer: Any, example: dict[str, Any], config: LMConfig, context: int | None = None) -> list[int]:
    """The example's prompt ids, cut from the front (the candidate, last, stays whole) to
    leave one position for the bin label within `max_length` and the model's `context`."""
    limit = min(config.max_length, context) if context else config.max_length
    ids = tokenizer.encode(render(example, config.max_program_chars), add_special_tokens=False)
    return ids[-(limit - 1):]


def train(examples: Sequence[dict[str, Any]], bins: Bins, history: int, base_model: str,
          config: LMConfig, work_dir: Path, model_dir: Path, extra: dict[str, Any]) -> None:
    """Fine-tune a LoRA adapter on `examples`; checkpoints in `work_dir`, the final adapter,
    tokenizer and `rtg_config.json` in `model_dir` (an empty directory)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import TrainingArguments

    device = default_device()
    tokenizer, model = load_base(base_model, device)
    context = context_length(model)
    labels = label_ids(tokenizer, len(bins))
    targets: Any = config.target_modules
    if targets != "all-linear":
        targets = [t.strip() for t in targets.split(",") if t.strip()]
    torch.manual_seed(config.seed)
    model = get_peft_model(model, LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha,
                                             lora_dropout=config.lora_dropout,
                                             target_modules=targets, task_type="CAUSAL_LM"))
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    rows = []
    for e in examples:
        ids = encode(tokenizer, e, config, context) + [labels[e["bin"]]]
        rows.append({"input_ids": ids, "labels": [-100] * (len(ids) - 1) + [ids[-1]], "bin": e["bin"]})
    pad = tokenizer.pad_token_id

    def collate(batch: list[dict[str, Any]]) -> dict[str, Any]:
        width = max(len(b["input_ids"]) for b in batch)
        out: dict[str, Any] = {"input_ids": [], "labels": [], "attention_mask": [], "bin": [], "bin_pos": []}
        for b in batch:
            gap = width - len(b["input_ids"])
            out["input_ids"].append(b["input_ids"] + [pad] * gap)
            out["labels"].append(b["labels"] + [-100] * gap)
            out["attention_mask"].append([1] * len(b["input_ids"]) + [0] * gap)
            out["bin"].append(b["bin"])
            out["bin_pos"].append(len(b["input_ids"]) - 2)  # the last prompt token predicts the bin
        return {k: torch.tensor(v) for k, v in out.items()}

    args = TrainingArguments(
        output_dir=str(work_dir / "checkpoints"), per_device_train_batch_size=config.batch_size,
        learning_rate=config.learning_rate, num_train_epochs=config.epochs, max_steps=config.max_steps,
        save_steps=config.save_steps, save_total_limit=2, logging_steps=config.logging_steps,
        report_to="none", seed=config.seed, data_seed=config.seed, use_cpu=device == "cpu",
        remove_unused_columns=False, disable_tqdm=False, lr_scheduler_type="constant",
        bf16=device == "cuda", dataloader_num_workers=0, max_grad_norm=config.max_grad_norm,
        weight_decay=0.0)
    trainer = _bin_trainer()(model=model, args=args, train_dataset=rows, data_collator=collate)
    trainer.label_ids, trainer.vocab_loss_weight = labels, config.vocab_loss_weight
    checkpoints = sorted((work_dir / "checkpoints").glob("checkpoint-*"))
    if checkpoints:
        log.warning("resuming training from %s", checkpoints[-1])
    trainer.train(resume_from_checkpoint=bool(checkpoints) or None)
    model.save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    from dataclasses import asdict

    write_config(model_dir, {**extra, "kind": "lm", "bins": bins.to_dict(), "history": history,
                             "base_model": _as_saved(Path(base_model), model_dir), "lm": asdict(config),
                             "label_tokens": list(LABELS[:len(bins)]),
                             "train_loss": [h["loss"] for h in trainer.state.log_history if "loss" in h]})


def _as_saved(base_model: Path, model_dir: Path) -> str:
    """The base as a model's config names it: relative to the model directory when it lies
    inside it (`base_model=tiny`), so the model still loads after it is moved into place."""
    base = base_model.resolve()
    return str(base.relative_to(model_dir.resolve())) if base.is_relative_to(model_dir.resolve()) else str(base)


def _bin_trainer() -> Any:
    import torch
    from transformers import Trainer

    class BinTrainer(Trainer):
        """Loss = the cross-entropy over the bin tokens only (what the score reads) plus
        `vocab_loss_weight` x the LM's cross-entropy of the bin token over the whole
        vocabulary (so that unconstrained decoding writes a bin token too)."""

        label_ids: list[int] = []
        vocab_loss_weight: float = 0.1

        def compute_loss(self, model: Any, inputs: dict[str, Any], return_outputs: bool = False,
                         num_items_in_batch: Any = None) -> Any:
            bins, positions = inputs.pop("bin"), inputs.pop("bin_pos")
            out = model(**inputs)
            rows = torch.arange(len(bins), device=out.logits.device)
            logits = out.logits[rows, positions][:, self.label_ids].float()
            loss = torch.nn.functional.cross_entropy(logits, bins) + self.vocab_loss_weight * out.loss
            return (loss, out) if return_outputs else loss

    return BinTrainer


class LMScorer:
    """Scores candidates with a trained adapter on its base model."""

    kind = "lm"

    def __init__(self, model: Any, tokenizer: Any, bins: Bins, history: int, config: LMConfig,
                 device: str) -> None:
        self.model, self.tokenizer, self.bins, self.history = model, tokenizer, bins, history
        self.config, self.device = config, device
        self.labels = label_ids(tokenizer, len(bins))

    @classmethod
    def load(cls, path: str | Path, device: str | None = None, base_model: str | None = None) -> LMScorer:
        from peft import PeftModel
        from transformers import AutoTokenizer

        directory = Path(path)
        data = read_config(directory)
        device = device or default_device()
        _, base = load_base(base_model or str(directory / data["base_model"]), device)
        tokenizer = AutoTokenizer.from_pretrained(directory)
        model = PeftModel.from_pretrained(base, directory).to(device).eval()
        return cls(model, tokenizer, Bins(**data["bins"]), data["history"], LMConfig(**data["lm"]), device)

    def probabilities(self, examples: Sequence[dict[str, Any]]) -> list[list[float]]:
        import torch

        out = []
        with torch.no_grad():
            for e in examples:
                ids = torch.tensor([encode(self.tokenizer, e, self.config, context_length(self.model))],
                                   device=self.device)
                logits = self.model(input_ids=ids).logits[0, -1, self.labels].float()
                out.append(torch.softmax(logits, dim=-1).tolist())
        return out

    def score(self, examples: Sequence[dict[str, Any]]) -> list[float]:
        return [expected(p, self.bins) for p in self.probabilities(examples)]
