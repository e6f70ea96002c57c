"""Test inputs for pm14_count_queries: sample, one value, random, then heavy repeats."""

import random
import sys
from pathlib import Path


def case(values: list[int], queries: list[int]) -> str:
    return (
        f"{len(values)}\n{' '.join(map(str, values))}\n"
        f"{len(queries)}\n{' '.join(map(str, queries))}\n"
    )


def generate() -> list[str]:
    rng = random.Random(14)
    big = [rng.randint(0, 10**6) for _ in range(36000)] + [rng.randint(0, 49) for _ in range(24000)]
    rng.shuffle(big)
    return [
        case([1, 2, 2, 3], [2, 5, 1]),
        case([0], [0, 1000000]),
        case(
            [rng.randint(0, 10**6) for _ in range(1000)],
            [rng.randint(0, 10**6) for _ in range(1000)],
        ),
        case([rng.randint(0, 9) for _ in range(5000)], list(range(12))),
        case(
            big,
            [
                rng.choice(big) if rng.random() < 0.5 else rng.randint(0, 10**6)
                for _ in range(60000)
            ],
        ),
    ]


def main(out_dir: str) -> None:
    for i, text in enumerate(generate()):
        Path(out_dir, f"input.{i}.txt").write_text(text)


if __name__ == "__main__":
    main(sys.argv[1])
