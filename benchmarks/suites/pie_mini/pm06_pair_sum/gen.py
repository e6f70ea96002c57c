"""Test inputs for pm06_pair_sum: distinct values first, then repeats and a large case."""

import random
import sys
from pathlib import Path


def case(k: int, values: list[int]) -> str:
    return f"{len(values)} {k}\n{' '.join(map(str, values))}\n"


def generate() -> list[str]:
    rng = random.Random(6)
    return [
        case(7, [1, 6, 3, 4, 5]),
        case(2, [1]),
        case(1000, rng.sample(range(1, 1000), 400)),
        case(100, [rng.randint(1, 99) for _ in range(3000)]),
        case(2 * 10**9, [10**9] * 50 + [rng.randint(1, 10**9) for _ in range(30000)]),
    ]


def main(out_dir: str) -> None:
    for i, text in enumerate(generate()):
        Path(out_dir, f"input.{i}.txt").write_text(text)


if __name__ == "__main__":
    main(sys.argv[1])
