"""Test inputs for pm09_matrix_product: n=1, small n (no overflow risk), then large n."""

import random
import sys
from pathlib import Path


def generate() -> list[str]:
    rng = random.Random(9)
    seeds = [rng.randrange(2**63) for _ in range(6)]
    return [f"{n} {seed}\n" for n, seed in zip([1, 3, 10, 60, 200, 400], seeds, strict=False)]


def main(out_dir: str) -> None:
    for i, text in enumerate(generate()):
        Path(out_dir, f"input.{i}.txt").write_text(text)


if __name__ == "__main__":
    main(sys.argv[1])
