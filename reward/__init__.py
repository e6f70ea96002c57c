"""Rewards, max-reward returns, and the reward-to-go model (reads run directories as data;
never imports the search above it).

    rewards.py   reward of a verdict, `y` update, max-reward returns
    dataset.py   run/sweep directories -> examples (task, prefix, candidate, return bin), card
    scorer.py    what every scorer shares: the prompt, model directories
    load_scorer.py  the scorer in a model directory, whatever its kind
    lm.py        causal LM + LoRA writing a bin token; score = expected speedup
    features.py  the non-neural baseline (hashed tokens + diff features, ridge)
    rewrite_mean.py  the bar: mean return per rewrite, no code read
    train.py     `maxcode rtg train`: staged, checkpointed, resumable
    evaluate.py  Spearman, top-1 per sibling pool, evaluations-to-best
    tiny.py      a from-scratch tiny base for CPU benches
"""
