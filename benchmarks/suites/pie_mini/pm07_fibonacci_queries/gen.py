"""Test inputs for pm07_fibonacci_queries: sample, n=0 edge, small, medium, large."""

import random
import sys
from pathlib import Path


def case(ns: list[int]) -> str:
    return f"{len(ns)}\n" + "\n".join(map(str, ns)) + "\n"


def generate() -> list[str]:
    rng = random.Random(7)
    return [
        case([1, 2, 10, 50]),
        case([0]),
        case([rng.randint(0, 100) for _ in range(100)] + [0]),
        case([rng.randint(1, 10**5) for _ in range(100)]),
        case([rng.randint(1, 10**6) for _ in range(120)] + [10**6]),
    ]


def main(out_dir: str) -> None:
    for i, text in enumerate(generate()):
        Path(out_dir, f"input.{i}.txt").write_text(text)


if __name__ == "__main__":
    main(sys.argv[1])
