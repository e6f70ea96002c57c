"""Test inputs for pm04_reverse_words: single spaces first, then messy whitespace and size."""

import random
import string
import sys
from pathlib import Path


def words(rng: random.Random, n: int) -> list[str]:
    return ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(1, 12))) for _ in range(n)]


def messy(rng: random.Random, items: list[str]) -> str:
    # Runs of spaces, tabs and line breaks between words, as real inputs have.
    parts = []
    for w in items:
        parts.append(w)
        parts.append(rng.choice([" ", " ", "  ", "\t", "\n", " \n "]))
    return "".join(parts) + "\n"


def generate() -> list[str]:
    rng = random.Random(4)
    return [
        "the quick brown fox\n",
        "alone\n",
        " ".join(words(rng, 200)) + "\n",
        messy(rng, words(rng, 2000)),
        messy(rng, words(rng, 23000)),
    ]


def main(out_dir: str) -> None:
    for i, text in enumerate(generate()):
        Path(out_dir, f"input.{i}.txt").write_text(text)


if __name__ == "__main__":
    main(sys.argv[1])
