"""Test inputs for pm11_max_subarray: sample, single value, all negative, mixed, large."""

import random
import sys
from pathlib import Path


def case(values: list[int]) -> str:
    return f"{len(values)}\n{' '.join(map(str, values))}\n"


def generate() -> list[str]:
    rng = random.Random(11)
    return [
        case([-2, 1, -3, 4, -1, 2, 1, -5, 4]),
        case([7]),
        case([rng.randint(-(10**9), -1) for _ in range(500)]),
        case([rng.randint(-1000, 1000) for _ in range(3000)]),
        case([rng.randint(-(10**9), 10**9) for _ in range(17000)]),
    ]


def main(out_dir: str) -> None:
    for i, text in enumerate(generate()):
        Path(out_dir, f"input.{i}.txt").write_text(text)


if __name__ == "__main__":
    main(sys.argv[1])
