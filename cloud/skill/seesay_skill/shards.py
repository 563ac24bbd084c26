"""The shards of a Kinesis stream, all of them, parents before children (K03).

A stream with several shards spreads records by partition key, so a reader
that looks at one shard misses whole devices. After a reshard the closed
parent shards still hold the older records of the look-back, and their
children hold the newer ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# ListShards returns at most this many shards per page (the service allows 10000).
DEFAULT_PAGE_SIZE = 1000


@dataclass(frozen=True)
class Shard:
    """One shard as ListShards describes it."""

    shard_id: str
    parent_shard_id: str | None = None
    adjacent_parent_shard_id: str | None = None

    @classmethod
    def from_description(cls, description: dict[str, Any]) -> Shard:
        """A shard from one entry of ListShards' ``Shards``."""
        return cls(
            shard_id=description["ShardId"],
            parent_shard_id=description.get("ParentShardId"),
            adjacent_parent_shard_id=description.get("AdjacentParentShardId"),
        )

    @property
    def parents(self) -> tuple[str, ...]:
        """The ids of the shards this one was split or merged from."""
        return tuple(
            parent
            for parent in (self.parent_shard_id, self.adjacent_parent_shard_id)
            if parent
        )


def list_shards(client: Any, stream_name: str, page_size: int = DEFAULT_PAGE_SIZE) -> list[Shard]:
    """Every shard of ``stream_name``, following ListShards' NextToken to the end.

    The result is ordered parents before children (see :func:`parents_first`).
    """
    shards: list[Shard] = []
    request: dict[str, Any] = {"StreamName": stream_name, "MaxResults": page_size}
    while True:
        page = client.list_shards(**request)
        shards.extend(Shard.from_description(entry) for entry in page.get("Shards", []))
        next_token = page.get("NextToken")
        if not next_token:
            break
        # ListShards refuses StreamName together with NextToken.
        request = {"NextToken": next_token, "MaxResults": page_size}
    return parents_first(shards)


def parents_first(shards: list[Shard]) -> list[Shard]:
    """Order shards so that every shard comes after the parents in the list.

    Parents that have aged out of the stream are not in the list and do not
    hold their children back. Otherwise the order is by shard id.
    """
    pending = sorted(shards, key=lambda shard: shard.shard_id)
    present = {shard.shard_id for shard in pending}
    placed: set[str] = set()
    ordered: list[Shard] = []
    while pending:
        ready = [
            shard
            for shard in pending
            if all(parent in placed or parent not in present for parent in shard.parents)
        ]
        if not ready:
            # Only a malformed listing can have a cycle; keep every shard anyway.
            ready = pending
        ordered.extend(ready)
        placed.update(shard.shard_id for shard in ready)
        pending = [shard for shard in pending if shard.shard_id not in placed]
    return ordered
