"""Test inputs for pm03_inversions: sample, n=1, distinct values, then duplicates and a large case."""

import random
import sys
from pathlib import Path


def case(values: list[int]) -> str:
    return f"{len(values)}\n{' '.join(map(str, values))}\n"


def generate() -> list[str]:
    rng = random.Random(3)
    return [
        case([3, 1, 2]),
        case([5]),
        case(rng.sample(range(1, 10**9), 500)),
        case(list(range(2000, 0, -1))),
        case([rng.randint(1, 100) for _ in range(3000)]),
        case([rng.randint(1, 10**9) for _ in range(14000)] + [1, 1, 2, 2]),
    ]


def main(out_dir: str) -> None:
    for i, text in enumerate(generate()):
        Path(out_dir, f"input.{i}.txt").write_text(text)


if __name__ == "__main__":
    main(sys.argv[1])
