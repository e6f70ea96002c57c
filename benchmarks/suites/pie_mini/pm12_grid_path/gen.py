"""Test inputs for pm12_grid_path: sample, 1x1, unreachable, random, and serpentine mazes.

A serpentine of vertical corridors makes the path climb up again and again, which is the
case where sweeping top-left to bottom-right needs one sweep per row climbed.
"""

import random
import sys
from pathlib import Path


def render(rows: list[list[str]]) -> str:
    return f"{len(rows)} {len(rows[0])}\n" + "\n".join("".join(r) for r in rows) + "\n"


def random_grid(rng: random.Random, h: int, w: int, wall: float) -> list[list[str]]:
    rows = [["#" if rng.random() < wall else "." for _ in range(w)] for _ in range(h)]
    rows[0][0] = rows[h - 1][w - 1] = "."
    return rows


def serpentine(h: int, w: int) -> list[list[str]]:
    # Walls on every odd column, open alternately at the bottom and at the top.
    rows = [["." for _ in range(w)] for _ in range(h)]
    for c in range(1, w - 1, 2):
        gap = h - 1 if (c // 2) % 2 == 0 else 0
        for r in range(h):
            if r != gap:
                rows[r][c] = "#"
    return rows


def generate() -> list[str]:
    rng = random.Random(12)
    blocked = random_grid(rng, 30, 30, 0.2)
    for c in range(30):
        blocked[15][c] = "#"
    return [
        render([list("..#"), list("#.."), list("...")]),
        render([["."]]),
        render(blocked),
        render(random_grid(rng, 100, 100, 0.25)),
        render(serpentine(60, 61)),
        render(serpentine(130, 131)),
    ]


def main(out_dir: str) -> None:
    for i, text in enumerate(generate()):
        Path(out_dir, f"input.{i}.txt").write_text(text)


if __name__ == "__main__":
    main(sys.argv[1])
