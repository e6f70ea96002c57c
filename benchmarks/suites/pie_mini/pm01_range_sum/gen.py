"""Test inputs for pm01_range_sum: tiny sample, n=1 edge, small, medium, medium-large, large with wide queries."""

import random
import sys
from pathlib import Path


def case(rng: random.Random, n: int, q: int, bound: int, wide: bool = False) -> str:
    values = [rng.randint(-bound, bound) for _ in range(n)]
    lines = [f"{n} {q}", " ".join(map(str, values))]
    for _ in range(q):
        # Wide queries cover most of the array, so per-query loops cost O(n) each.
        lo = rng.randint(1, n // 4) if wide else rng.randint(1, n)
        hi = rng.randint(3 * n // 4, n) if wide else rng.randint(lo, n)
        lines.append(f"{lo} {hi}")
    return "\n".join(lines) + "\n"


def generate() -> list[str]:
    rng = random.Random(1)
    return [
        "5 3\n1 2 3 4 5\n1 5\n2 3\n4 4\n",
        "1 2\n-7\n1 1\n1 1\n",
        case(rng, 100, 100, 1000),
        case(rng, 5000, 5000, 1000),
        case(rng, 20000, 20000, 10**9),
        case(rng, 38000, 38000, 10**9, wide=True),
    ]


def main(out_dir: str) -> None:
    for i, text in enumerate(generate()):
        Path(out_dir, f"input.{i}.txt").write_text(text)


if __name__ == "__main__":
    main(sys.argv[1])
