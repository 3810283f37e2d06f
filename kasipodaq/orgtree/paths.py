"""Materialized paths of the organization tree.

A unit's path is its ancestors' primary keys and its own, each as a fixed-width
run of digits. Digits only and fixed width make every subtree one contiguous
range of paths, [path, upper_bound(path)), which a plain B-tree index answers on
SQLite and PostgreSQL alike, whatever the database collation.
"""

from __future__ import annotations

SEGMENT = 8


def segment(pk: int) -> str:
    return f"{pk:0{SEGMENT}d}"


def child_path(parent_path: str, pk: int) -> str:
    return parent_path + segment(pk)


def depth(path: str) -> int:
    return len(path) // SEGMENT


def upper_bound(path: str) -> str:
    """The smallest path greater than every path that starts with `path`."""
    return path[:-1] + chr(ord(path[-1]) + 1)


def ancestor_ids(path: str) -> list[int]:
    return [int(path[i : i + SEGMENT]) for i in range(0, len(path), SEGMENT)]


def minimal_roots(paths: list[str]) -> list[str]:
    """Drop every path that lies inside another one of the list."""
    kept: list[str] = []
    for path in sorted(paths):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept
