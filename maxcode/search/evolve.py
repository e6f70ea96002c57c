"""Evolutionary search over a program database, OpenEvolve / ShinkaEvolve / AlphaEvolve style.

The database: `islands` populations that evolve apart. Each is a MAP-Elites grid keeping the
fastest program per cell of a behaviour descriptor that fits both task families,
(speedup bin, code-size bin relative to the baseline, bottleneck tag of the diagnosis or
"none"); the baseline sits in every island. Every `migrate_every` steps the best program of
each island joins the next one (a ring). Step t works on island (t - 1) mod `islands`:

  select   a parent among the island's elites: rank r (fastest first) is drawn with odds
           (r + 1) ** -alpha (0: uniform, larger: greedier), or with odds `explore` any
           elite alike;
  inspire  a few elites of other cells and islands go with it: their code in an LLM's
           prompt, the rewrites on their paths to the `rewrites` proposer (crossover);
  propose  `samples` candidates -> those too close to a program of the island (Jaccard
           similarity of token shingles, comments and layout ignored, >= `novelty`) are
           recorded as `not_novel` and never judged -> rank -> evaluate.

The database is a function of the tree (extended from the last step's when the tree is
the one it was built from, else rebuilt) and the draws are seeded by (run seed, step), so a
resumed run makes the same choices. Token shingles are a pure cache keyed by source hash.
"""

from __future__ import annotations

import bisect
import math
import random
import re
from dataclasses import dataclass, field

from maxcode.loop import Candidate, Step
from maxcode.records.node import Node, source_hash
from maxcode.search_tree import SearchTree

Cell = tuple[int, int, str]
COMMENTS = {"cpp": re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL),
            # `#` then a space: `#include` / `#pragma` inside a kernel's C++ string stay.
            "python": re.compile(r"(?:^|(?<=\s))#(?:[ \t][^\n]*)?$", re.MULTILINE)}
TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass
class Island:
    """One population: its programs (baseline, own correct programs, migrants) and grid."""

    members: list[Node] = field(default_factory=list)
    ids: set[int] = field(default_factory=set)
    grid: dict[Cell, Node] = field(default_factory=dict)
    shingles: dict[frozenset, str] = field(default_factory=dict)
    """Each member's token shingles -> the first member with them ("node N")."""

    def best(self) -> Node:
        return min(self.grid.values(), key=rank_key)


def rank_key(node: Node) -> tuple[float, int]:
    """Fastest first (the baseline counts as 1.0), ties to the earlier node."""
    return -(1.0 if node.parent_id is None else node.speedup or 0.0), node.id


@dataclass
class Evolve:
    """Islands of MAP-Elites grids, ring migration, power-law parents, novelty rejection."""

    samples: int = 4
    """Candidates per step, all from one parent."""
    generations: int | None = 20
    """Steps; None: until the budget stops it."""
    islands: int = 3
    """Populations evolving apart; step t works on island (t - 1) mod islands."""
    migrate_every: int = 6
    """Every this many steps each island's best joins the next island; 0: never."""
    alpha: float = 1.0
    """Power-law exponent over an island's elites ranked by speedup (0: uniform)."""
    explore: float = 0.2
    """Odds of drawing the parent uniformly among the island's elites instead."""
    inspirations: int = 2
    """Elites of other cells or islands shown with the parent (the fastest first)."""
    novelty: float | None = 1.0
    """Reject (as `not_novel`, unjudged) a candidate whose token-shingle Jaccard similarity
    to a program of the island, or to an earlier candidate of the step, is at least this.
    1.0: only programs equal up to comments and layout; lower it (e.g. 0.97) to also skip
    near-copies, at the risk of skipping one-token tweaks (a block size); None: off."""
    shingle: int = 4
    """Tokens per shingle."""
    speedup_bins: list[float] = field(default_factory=lambda: [1.05, 1.5, 2.0, 4.0, 8.0])
    """Bin edges of the descriptor's speedup axis."""
    size_bins: list[float] = field(default_factory=lambda: [0.8, 1.0, 1.25, 1.6])
    """Bin edges of the code-size axis: tokens relative to the baseline's."""

    def __post_init__(self) -> None:
        self.speedup_bins, self.size_bins = list(self.speedup_bins), list(self.size_bins)
        # Pure caches (a resume rebuilds them): shingles and sizes by source hash, cells by
        # node, and the database as the last step left it (see `database`).
        self._shingles: dict[str, frozenset[tuple[str, ...]]] = {}
        self._sizes: dict[str, int] = {}
        self._cells: dict[tuple[int, str | None, str | None], Cell] = {}
        self._last: tuple[list[Island], float, int, Node, int] | None = None

    def done(self, tree: SearchTree) -> bool:
        return self.generations is not None and tree.last_step() >= self.generations

    # --- the database: a function of the tree --------------------------------------------
    def database(self, tree: SearchTree, step: int, language: str) -> list[Island]:
        """The islands as step `step` begins: nodes in id (hence step) order, each correct
        one joining the island its step worked on, migrations at the starts of steps
        migrate_every + 1, 2 * migrate_every + 1..."""
        # Recorded nodes never change and a step adds nodes of later steps only: the last
        # step's database is extended when this tree begins with the very nodes it was built
        # from (the same objects), else rebuilt (a resume, another tree).
        last = self._last
        if last is not None and step >= last[4] and len(tree) >= last[2] and tree.nodes[last[2] - 1] is last[3]:
            islands, boundary, done = last[0], last[1], last[2]
        else:
            islands, done = [Island() for _ in range(self.islands)], 1
            for island in islands:
                self.join(island, tree.root, tree.root, language)
            boundary = self.migrate_every + 1 if self.migrate_every > 0 else math.inf
        for node in tree.nodes[done:]:
            while node.step >= boundary:
                self.migrate(islands, tree.root, language)
                boundary += self.migrate_every
            if node.correct and node.duplicate_of is None:
                self.join(islands[(node.step - 1) % self.islands], node, tree.root, language)
        while step >= boundary:
            self.migrate(islands, tree.root, language)
            boundary += self.migrate_every
        self._last = islands, boundary, len(tree), tree.nodes[-1], step
        return [Island(list(i.members), set(i.ids), dict(i.grid), dict(i.shingles)) for i in islands]

    def join(self, island: Island, node: Node, root: Node, language: str) -> None:
        island.members.append(node)
        island.ids.add(node.id)
        island.shingles.setdefault(self.features(node, language)[0], f"node {node.id}")
        cell = self.cell(node, root, language)
        if cell not in island.grid or rank_key(node) < rank_key(island.grid[cell]):
            island.grid[cell] = node

    def migrate(self, islands: list[Island], root: Node, language: str) -> None:
        movers = [island.best() for island in islands]  # all chosen before any moves
        for i, node in enumerate(movers):
            target = islands[(i + 1) % len(islands)]
            if node.id not in target.ids:
                self.join(target, node, root, language)

    def cell(self, node: Node, root: Node, language: str) -> Cell:
        """(speedup bin, size bin, bottleneck tag): the descriptor of a judged program."""
        key = (node.id, node.source_hash, root.source_hash)
        if key not in self._cells:
            speed = 1.0 if node.parent_id is None else node.speedup or 0.0
            size = self.features(node, language)[1] / max(1, self.features(root, language)[1])
            tags = node.diagnosis.tags if node.diagnosis is not None else {}
            self._cells[key] = (bisect.bisect_right(self.speedup_bins, speed),
                                bisect.bisect_right(self.size_bins, size), str(tags.get("bottleneck") or "none"))
        return self._cells[key]

    def features(self, program: Node | str, language: str) -> tuple[frozenset[tuple[str, ...]], int]:
        """Token shingles and token count of a node's or a candidate's program."""
        source = program if isinstance(program, str) else program.source or ""
        key = source_hash(source) if isinstance(program, str) else program.source_hash or ""
        if key not in self._shingles:
            pattern = COMMENTS.get(language)
            tokens = TOKEN.findall(pattern.sub(" ", source) if pattern else source)
            k = max(1, min(self.shingle, len(tokens)))
            self._shingles[key] = frozenset(tuple(tokens[i:i + k]) for i in range(len(tokens) - k + 1))
            self._sizes[key] = len(tokens)
        return self._shingles[key], self._sizes[key]

    # --- choices --------------------------------------------------------------------------
    def parent(self, island: Island, rng: random.Random) -> Node:
        elites = sorted(island.grid.values(), key=rank_key)
        weights = [(r + 1) ** -self.alpha for r in range(len(elites))]
        uniform = rng.random() < self.explore
        return rng.choices(elites, weights=None if uniform else weights)[0]

    def inspire(self, islands: list[Island], parent: Node, rng: random.Random) -> list[Node]:
        """The fastest elite of another cell (a grid holds one per cell) or island, then a
        seeded draw of the others; never the parent or the baseline."""
        pool = {n.id: n for island in islands for n in island.grid.values()
                if n.id != parent.id and n.parent_id is not None}
        ranked = sorted(pool.values(), key=rank_key)
        if not ranked or self.inspirations <= 0:
            return []
        rest = sorted(ranked[1:], key=lambda n: n.id)
        return [ranked[0], *rng.sample(rest, min(self.inspirations - 1, len(rest)))]

    def split_novel(self, step: Step, island: Island, candidates: list[Candidate],
                    language: str) -> tuple[list[Candidate], list[Candidate], list[str]]:
        """(novel, too similar, why): exact copies and replies without code are left to the
        loop (it records duplicates and no-code replies itself)."""
        if self.novelty is None:
            return candidates, [], []
        known = dict(island.shingles)
        novel, similar, why = [], [], []
        verdicts: dict[str, str | None] = {}  # source hash -> why rejected (None: novel)
        for c in candidates:
            h = source_hash(c.source) if c.source is not None else None
            if h is not None and h not in step.tree.by_hash and h not in verdicts:
                mine = self.features(c.source, language)[0]
                name, score = self.closest(mine, known)
                verdicts[h] = (f"too similar to {name} (token-shingle Jaccard {score:.3f} >= "
                               f"{self.novelty})") if score >= self.novelty else None
                if verdicts[h] is None:
                    known.setdefault(mine, f"node {step.first_id + c.index} (this step)")
            if h is not None and verdicts.get(h):
                similar.append(c)
                why.append(verdicts[h])
            else:
                novel.append(c)
        return novel, similar, why

    def closest(self, mine: frozenset, known: dict[frozenset, str]) -> tuple[str, float]:
        """The most similar known program that can reach the threshold, and its similarity."""
        if mine in known:
            return known[mine], 1.0
        name, score = "", 0.0
        if self.novelty is None or self.novelty >= 1.0:  # only equal sets reach it
            return name, score
        for other, other_name in known.items():
            # Jaccard(A, B) <= min(|A|, |B|) / max(|A|, |B|): skip sets too different in size.
            if min(len(mine), len(other)) >= self.novelty * max(len(mine), len(other)):
                similarity = jaccard(mine, other)
                if similarity > score:
                    name, score = other_name, similarity
        return name, score

    # --- one step -------------------------------------------------------------------------
    def step(self, step: Step) -> None:
        language = step.search.task.language
        rng = random.Random(f"evolve:{step.search.seed}:{step.number}")
        islands = self.database(step.tree, step.number, language)
        here = (step.number - 1) % self.islands
        # select: a power-law draw over the island's elites, with diverse elites beside it.
        parent = self.parent(islands[here], rng)
        inspirations = self.inspire(islands, parent, rng)
        # propose -> reject near-copies (recorded, not judged) -> rank -> evaluate.
        candidates = step.propose(parent, self.samples, inspirations=inspirations)
        novel, similar, why = self.split_novel(step, islands[here], candidates, language)
        step.reject(similar, why)
        step.evaluate(step.rank(novel))


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a and not b:
        return 1.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)
