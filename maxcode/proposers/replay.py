"""`proposer=replay`: replays the replies recorded in an earlier run directory.

`match=prompt` (default) hands back, for a prompt, the replies recorded for that same
prompt in draw order: with the same config and seed this reproduces the earlier run
exactly, and the search stops cleanly when the recording has nothing for a prompt.
`match=order` ignores prompts and replays the recorded replies in node order (to compare
strategies on one fixed set of replies).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from maxcode.errors import ConfigError, ProposerUnavailable
from maxcode.observation import Observation
from maxcode.proposers.base import Reply
from maxcode.records.node import Node, NodeStatus
from maxcode.records.run import RunReader, is_run_dir


class ReplayProposer:
    """Serves recorded replies."""

    model = "replay"

    def __init__(self, run_dir: str | None = None, match: str = "prompt") -> None:
        if not run_dir:
            raise ConfigError("proposer=replay needs the run to replay",
                              "pass proposer.run_dir=DIR (a run directory with trajectory.jsonl)")
        if match not in ("prompt", "order"):
            raise ConfigError(f"proposer.match must be prompt or order, got {match!r}", "")
        if not is_run_dir(Path(run_dir)):
            raise ConfigError(f"no trajectory to replay in {run_dir}", "pass the run directory itself")
        self.match = match
        self.by_prompt: dict[str, dict[int, Node]] = defaultdict(dict)
        self.in_order: list[Node] = []
        for node in RunReader(run_dir).nodes():
            if node.status is NodeStatus.BASELINE or not node.proposer.prompt_hash:
                continue
            self.by_prompt[node.proposer.prompt_hash][node.proposer.draw] = node
            self.in_order.append(node)

    def propose(self, observation: Observation, k: int) -> list[Reply]:
        replies = []
        for i in range(k):
            if self.match == "prompt":
                node = self.by_prompt.get(observation.prompt_hash, {}).get(observation.draw + i)
            else:
                j = observation.serial + i
                node = self.in_order[j] if j < len(self.in_order) else None
            if node is None:
                if replies:
                    break
                raise ProposerUnavailable(
                    "the replayed run has no more replies for this search "
                    f"(prompt {observation.prompt_hash}, draw {observation.draw})",
                    "replay with the same config and seed as the recorded run, or proposer.match=order")
            replies.append(Reply(text=node.reply, model=node.proposer.model or "replay",
                                 calls=1 if i == 0 else 0,
                                 meta={"replayed_node": node.id, "proposer": "replay"}))
        return replies
