"""Test inputs for pm10_lcs: one-letter strings, small alphabets, then the size limit."""

import random
import sys
from pathlib import Path


def word(rng: random.Random, n: int, alphabet: str) -> str:
    return "".join(rng.choices(alphabet, k=n))


def generate() -> list[str]:
    rng = random.Random(10)
    return [
        "abcde\nace\n",
        "a\nb\n",
        "abc\nabc\n",
        f"{word(rng, 300, 'ab')}\n{word(rng, 200, 'ab')}\n",
        f"{word(rng, 2000, 'acgt')}\n{word(rng, 2000, 'acgt')}\n",
        f"{word(rng, 3800, 'abcdefghijklmnopqrstuvwxyz')}\n{word(rng, 3800, 'abcdefghijklmnopqrstuvwxyz')}\n",
    ]


def main(out_dir: str) -> None:
    for i, text in enumerate(generate()):
        Path(out_dir, f"input.{i}.txt").write_text(text)


if __name__ == "__main__":
    main(sys.argv[1])
