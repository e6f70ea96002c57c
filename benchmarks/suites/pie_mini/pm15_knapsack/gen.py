"""Test inputs for pm15_knapsack: heavy items only first (reuse impossible), then the rest."""

import random
import sys
from pathlib import Path


def case(cap: int, items: list[tuple[int, int]]) -> str:
    return f"{len(items)} {cap}\n" + "\n".join(f"{w} {v}" for w, v in items) + "\n"


def generate() -> list[str]:
    rng = random.Random(15)
    return [
        case(10, [(6, 30), (7, 20), (8, 40)]),
        case(5, [(5, 10**9)]),
        case(100, [(rng.randint(51, 100), rng.randint(1, 1000)) for _ in range(20)]),
        case(1000, [(rng.randint(1, 300), rng.randint(1, 10**6)) for _ in range(50)]),
        case(150000, [(rng.randint(1, 40000), rng.randint(1, 10**9)) for _ in range(150)]),
    ]


def main(out_dir: str) -> None:
    for i, text in enumerate(generate()):
        Path(out_dir, f"input.{i}.txt").write_text(text)


if __name__ == "__main__":
    main(sys.argv[1])
