"""Scope labels: the name a folder or file is ingested under, which is also the prefix of its documents' ids.

A new folder's label is its path relative to the working directory when it is inside it, else its absolute
path (`corpus` for `ingest corpus/` from the repository root). The manifest records the resolved root of each
scope (`Snapshot.roots`), so that:
- the same folder reached by another spelling (from another directory, by its absolute path, through a
  symlink) keeps the label it has, with the same document ids, and re-ingesting it embeds nothing new;
- a different folder whose label would be the same (two folders called `pages`, each ingested from its
  parent) is named by its absolute path instead, with a note saying so, rather than replacing the other one;
- a folder whose recorded root no longer exists has moved (a repository cloned elsewhere, a container
  mounting it at another path): the first folder that would get its label takes it over.
A scope recorded without a root (published before roots were recorded) goes to the first folder that would
get its label, as ingest always did, and its root is recorded from then on; an absolute label is its own root.

Naming only: this module reads no documents and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath


@dataclass
class Naming:
    """The scopes of one scan by label, in the order given (a root given twice once): the path as given and
    its resolved root; and a note for each folder that could not have the label it would have had."""

    paths: dict[str, Path] = field(default_factory=dict)
    roots: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def scope_label(path: Path) -> str:
    """The label a folder or file gets when no scope has it yet: relative to the working directory when
    inside it, else absolute."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def name_scopes(paths: list[Path], recorded: dict[str, str], in_use: set[str]) -> Naming:
    """Labels for the folders and files to scan (existing ones: a missing path takes no label).
    `recorded`: the published scopes' roots by label; `in_use`: every published scope label, with a
    recorded root or not (web sources, older manifests)."""
    root_of: dict[str, str | None] = {label: recorded.get(label) or _own_root(label) for label in in_use}
    root_of.update(recorded)
    label_of = {root: label for label, root in root_of.items() if root}
    naming = Naming()
    for path in paths:
        root = path.resolve().as_posix()
        label = label_of.get(root)
        if label is None:
            label = _free_label(scope_label(path), root, root_of, naming)
            root_of[label], label_of[root] = root, label
        naming.paths.setdefault(label, path)
        naming.roots.setdefault(label, root)
    return naming


def _free_label(wanted: str, root: str, root_of: dict[str, str | None], naming: Naming) -> str:
    """`wanted` unless another folder that still exists has it; then the absolute path (numbered in the
    unlikely case that is taken too)."""
    owner = root_of.get(wanted)
    if owner is None:
        return wanted
    if not Path(owner).exists():
        naming.notes.append(f"{root} is ingested as {wanted}, the scope of {owner}, which no longer exists")
        return wanted
    label, number = root, 1
    while root_of.get(label) not in (None, root):
        number += 1
        label = f"{root}~{number}"
    naming.notes.append(f"{root} is ingested as {label}: {wanted} is the scope of another folder, {owner}")
    return label


def _own_root(label: str) -> str | None:
    """The root of a scope published without one: an absolute label names it; a relative one does not say
    from where it was ingested (and a web source's label is a URL)."""
    return label if PurePosixPath(label).is_absolute() else None
