"""Test inputs for pm13_pattern_count: non-overlapping cases first, then periodic texts."""

import random
import sys
from pathlib import Path


def generate() -> list[str]:
    rng = random.Random(13)
    random_text = "".join(rng.choices("abc", k=20000))
    return [
        "abcabcab\nabc\n",
        "a\nab\n",
        random_text + "\n" + "abcab\n",
        "aaaaaaaaaa\naaa\n",
        "ab" * 5000 + "\n" + "abab\n",
        "ab" * 400000 + "\n" + "ab" * 2500 + "\n",
    ]


def main(out_dir: str) -> None:
    for i, text in enumerate(generate()):
        Path(out_dir, f"input.{i}.txt").write_text(text)


if __name__ == "__main__":
    main(sys.argv[1])
