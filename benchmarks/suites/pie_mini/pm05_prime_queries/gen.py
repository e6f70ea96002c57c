"""Test inputs for pm05_prime_queries: composites only first, then primes and the upper limit."""

import random
import sys
from pathlib import Path


def case(xs: list[int]) -> str:
    return f"{len(xs)}\n" + "\n".join(map(str, xs)) + "\n"


def generate() -> list[str]:
    rng = random.Random(5)
    return [
        case([10, 100, 1000]),
        case([2]),
        case([3, 4, 97, 1000000]),
        case([rng.randint(2, 10**4) for _ in range(100)]),
        case([rng.randint(10**5, 10**6) for _ in range(90)] + [999983]),
    ]


def main(out_dir: str) -> None:
    for i, text in enumerate(generate()):
        Path(out_dir, f"input.{i}.txt").write_text(text)


if __name__ == "__main__":
    main(sys.argv[1])
