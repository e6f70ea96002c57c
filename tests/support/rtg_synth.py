"""SYNTHETIC run directories for the reward-to-go tests: nothing here was judged.

Each task is a made-up C++ program; its candidates are filler statements drawn at random
plus, in some, a planted marker line (three times) that alone decides the recorded verdict:
`#pragma fast_path` -> correct, 4.5-6x; no marker -> correct, 0.95-1.05x;
`#pragma slow_path` -> correct, 0.5-0.8x; `// broken` -> wrong answer. The records are
written through maxcode's own RunWriter and Node (the trajectory format of a real run), so
the dataset code reads them exactly as it reads recorded runs.
"""

from __future__ import annotations

import random
from pathlib import Path

from maxcode.records.evaluation import Evaluation, Status
from maxcode.records.node import Node, NodeStatus, ProposerInfo, source_hash
from maxcode.records.run import RunWriter
from maxcode.records.summary import RunSummary

FILLER = ["int a = {n};", "long b = a * {n};", "a += {n};", "b ^= a;", "if (a > {n}) a -= {n};",
          "for (int i = 0; i < {n}; ++i) b += i;", "a = (a * 31) % 1009;", "b = b / 2 + {n};"]
REPEATS = 3
"""Times the marker line appears in a candidate (a salient feature for a tiny random LM)."""
MARKERS = {"fast": ("#pragma fast_path", (4.5, 6.0)), "plain": ("", (0.95, 1.05)),
           "slow": ("#pragma slow_path", (0.5, 0.8)), "broken": ("// broken", None)}


def program(rng: random.Random, marker: str) -> str:
    lines = [FILLER[rng.randrange(len(FILLER))].format(n=rng.randrange(2, 99)) for _ in range(rng.randrange(2, 5))]
    for _ in range(REPEATS if marker else 0):
        lines.insert(rng.randrange(len(lines) + 1), marker)
    return "int main() {\n" + "\n".join(f"  {line}" for line in lines) + "\n  return 0;\n}\n"


def verdict(rng: random.Random, kind: str) -> tuple[NodeStatus, Evaluation, float]:
    speed_range = MARKERS[kind][1]
    if speed_range is None:
        ev = Evaluation.failure(Status.WRONG_ANSWER, "output differs on test 1 (synthetic)")
        return NodeStatus.WRONG_ANSWER, ev, 0.0
    speed = rng.uniform(*speed_range)
    ev = Evaluation(status=Status.OK, correct=True, message="ok (synthetic)", speedup=speed,
                    speedup_ci=(speed * 0.97, speed * 1.03), significant=abs(speed - 1) > 0.03)
    return NodeStatus.OK, ev, speed


def write_runs(root: Path, tasks: int = 10, per_task: int = 6, seed: int = 0,
               kinds: tuple[str, ...] = ("fast", "plain", "slow", "broken")) -> list[Path]:
    """`tasks` synthetic run directories under `root`, `per_task` candidates each (one step
    from the baseline, every kind at least once when per_task allows), plus one `plain`
    child of the first candidate (so returns propagate through the tree)."""
    rng = random.Random(seed)
    dirs = []
    for t in range(tasks):
        run_dir = root / f"synth{t:02d}"
        store = RunWriter(run_dir, durable=False)
        store.open("synthetic: true\n")
        base = program(rng, "")
        nodes = [Node(id=0, parent_id=None, step=0, index=0, status=NodeStatus.BASELINE, source=base,
                      source_hash=source_hash(base), message="the task's program")]
        # Every kind at least once, in an order drawn per task (so proposer order is no guide).
        order = list(kinds) + [rng.choice(kinds) for _ in range(max(0, per_task - len(kinds)))]
        rng.shuffle(order)
        for i, kind in enumerate(order[:per_task]):
            nodes.append(_judged(rng, len(nodes), 0, 1, i, kind))
        nodes.append(_judged(rng, len(nodes), 1, 2, 0, "plain"))
        for node in nodes:
            store.append(node)
        store.write_summary(RunSummary(task_id=f"synth/{t:02d}", strategy="synthetic", run_dir=str(run_dir)))
        store.close()
        dirs.append(run_dir)
    return dirs


def _judged(rng: random.Random, node_id: int, parent: int, step: int, index: int, kind: str) -> Node:
    source = program(rng, MARKERS[kind][0])
    status, ev, reward = verdict(rng, kind)
    return Node(id=node_id, parent_id=parent, step=step, index=index, status=status, source=source,
                source_hash=source_hash(source), reply=f"```cpp\n{source}```\n",
                proposer=ProposerInfo(model="synthetic"), evaluation=ev, reward=reward,
                evaluated=True, message=ev.message)
