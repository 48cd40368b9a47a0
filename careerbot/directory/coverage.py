"""What the directory can answer: services per kind of help and per barrier, and a warning in
plain words for every kind of help nobody will find.

A package can import cleanly and still answer nothing, because its taxonomy terms are not the ones
directory_mapping.yml lists. Counting through the same mapping and the same index the search uses
shows that at once: after every import, and at every start (`python -m careerbot.directory
coverage`, which `make run` runs).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, List, NamedTuple, Optional

from careerbot.content import BARRIERS, RESOURCE_TYPES
from careerbot.directory.mapping import ResourceMapping, normalise_term
from careerbot.directory.store import DirectoryStore

NOT_IMPORTED = ("Warning: no resource directory has been imported yet, so the assistant finds no "
                "local services. Import one: python -m careerbot.directory import DIR")


class TermUse(NamedTuple):
    """A taxonomy term the imported listings carry."""

    name: str              # as the package names it, with its code if it has one
    keys: FrozenSet[str]   # its own and its ancestors' normalised codes and names
    listings: int          # listings tagged with it


@dataclass(frozen=True)
class Coverage:
    per_type: Dict[str, int]      # resource type -> listings that answer it
    per_barrier: Dict[str, int]   # barrier -> listings that answer one of its resource types
    # The package to import again when the stored terms were normalised by an earlier version,
    # which no current mapping term can match; None when they are current.
    stale_source: Optional[str] = None


def measure(store: DirectoryStore, mapping: ResourceMapping) -> Coverage:
    """Raises store.DirectoryNotLoaded when nothing has been imported."""
    per_type = {t: store.listing_count(mapping.terms_for([t])) for t in RESOURCE_TYPES}
    per_barrier = {b: store.listing_count(mapping.terms_for(mapping.resource_types_for_barrier(b)))
                   for b in BARRIERS}
    stale = any(normalise_term(term) != term for term in store.terms())
    return Coverage(per_type, per_barrier,
                    str(store.info().get("source", "DIR")) if stale else None)


def unmapped_terms(uses: Iterable[TermUse], mapping: ResourceMapping) -> List[TermUse]:
    """The terms (with their ancestors) that no kind of help lists."""
    mapped = mapping.terms_for(mapping.resource_types)
    return [use for use in uses if not use.keys & mapped]


def barrier_words(barrier: str) -> str:
    return barrier.replace("_", " ")


def counts_lines(coverage: Coverage, mapping: ResourceMapping) -> List[str]:
    per_type = [(mapping.label(t), n) for t, n in coverage.per_type.items()]
    per_barrier = [(barrier_words(b), n) for b, n in coverage.per_barrier.items()]
    width = max(len(name) for name, _ in per_type + per_barrier) + 2

    def table(rows):
        return [f"  {name:<{width}}{count:>6}" for name, count in rows]
    return (["Services for each kind of help (directory_mapping.yml):"] + table(per_type)
            + ["Services for each barrier:"] + table(per_barrier))


def unmapped_lines(uses: List[TermUse]) -> List[str]:
    heading = "Taxonomy terms that map to no kind of help"
    if not uses:
        return [f"{heading}: none."]
    width = max(len(use.name) for use in uses) + 2
    return [f"{heading} (list them in directory_mapping.yml if they should):"] + [
        f"  {use.name:<{width}}{use.listings:>6} service{'s' if use.listings != 1 else ''}"
        for use in uses]


def warnings(coverage: Coverage, mapping: ResourceMapping) -> List[str]:
    if coverage.stale_source is not None:
        return ["Warning: this directory was imported by an earlier version of the assistant, "
                "which matched taxonomy terms differently, so searches find nothing. Import it "
                f"again: python -m careerbot.directory import {coverage.stale_source}"]
    found = []
    for resource_type, count in coverage.per_type.items():
        if count:
            continue
        label = mapping.label(resource_type)
        # Barriers answered only by kinds of help that find nothing are left with nothing.
        stranded = [barrier_words(b) for b in BARRIERS if coverage.per_barrier[b] == 0
                    and resource_type in mapping.resource_types_for_barrier(b)]
        also = f", or names a barrier they help with ({', '.join(stranded)})," if stranded else ""
        found.append(f"Warning: the directory has no {label}. Anyone who asks for them{also} "
                     f"will be told nothing was found nearby. If your directory does list such "
                     f"services, add their taxonomy terms under {resource_type} in "
                     f"directory_mapping.yml (or select a preset there that names them), then "
                     f"restart the assistant.")
    return found
