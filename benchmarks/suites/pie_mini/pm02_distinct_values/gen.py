"""Test inputs for pm02_distinct_values: sample, n=1, all equal, small, medium, large."""

import random
import sys
from pathlib import Path


def case(values: list[int]) -> str:
    return f"{len(values)}\n{' '.join(map(str, values))}\n"


def generate() -> list[str]:
    rng = random.Random(2)
    return [
        case([3, 1, 3, 2, 1]),
        case([42]),
        case([7] * 1000),
        case([rng.randint(0, 50) for _ in range(300)]),
        case([rng.randint(0, 10**9) for _ in range(5000)]),
        # Values beyond 32 bits, mostly distinct: the linear scan runs over ~n values.
        case([rng.randint(0, 10**12) for _ in range(36000)]),
    ]


def main(out_dir: str) -> None:
    for i, text in enumerate(generate()):
        Path(out_dir, f"input.{i}.txt").write_text(text)


if __name__ == "__main__":
    main(sys.argv[1])
