"""Test inputs for pm08_sort_numbers: distinct values first, then repeats and a large case."""

import random
import sys
from pathlib import Path


def case(values: list[int]) -> str:
    return f"{len(values)}\n{' '.join(map(str, values))}\n"


def generate() -> list[str]:
    rng = random.Random(8)
    return [
        case([5, -2, 9, 0]),
        case([-1000000000]),
        case(rng.sample(range(-(10**9), 10**9), 1000)),
        case([rng.randint(-5, 5) for _ in range(2000)]),
        case([rng.randint(-(10**9), 10**9) for _ in range(50000)]),
    ]


def main(out_dir: str) -> None:
    for i, text in enumerate(generate()):
        Path(out_dir, f"input.{i}.txt").write_text(text)


if __name__ == "__main__":
    main(sys.argv[1])
