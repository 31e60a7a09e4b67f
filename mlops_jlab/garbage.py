"""Artifacts no record refers to: blobs whose run was never written (a kernel killed before
its background writer wrote the run, a store that refused the write) and temporary files
of writes that never finished.

A blob is written before the record that refers to it, so a blob without a record may
belong to a run that is about to be written: only blobs older than a grace period go.
Storing content that is already there touches the blob (locally), so it counts as new.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from mlops_jlab.artifacts import ArtifactStore, ListedFile
from mlops_jlab.config import StoreLocation
from mlops_jlab.store import open_store, reads

DEFAULT_GRACE_SECONDS = 24 * 3600


@dataclass
class Collected:
    """What a collection found: the files removed (or, dry, to remove) and what it kept."""

    removed: list[ListedFile] = field(default_factory=list)
    referenced: int = 0
    young: int = 0
    undated: int = 0

    @property
    def freed_bytes(self) -> int:
        return sum(listed.size for listed in self.removed)


def collect(
    location: StoreLocation, grace_seconds: float = DEFAULT_GRACE_SECONDS, dry_run: bool = False
) -> Collected:
    """Remove the artifact files of ``location`` that no record refers to and that were
    written more than ``grace_seconds`` ago.

    Parameters
    ----------
    location
        The store whose records say which blobs are in use, and its artifact root.
    grace_seconds
        Younger files are kept: their run may not be written yet.
    dry_run
        Only say what would go.

    Raises
    ------
    StoreError
        If the store cannot be read (a damaged store says nothing reliable about what is in
        use, so nothing is removed).
    """
    artifacts = ArtifactStore(location.artifacts)
    # Listed before the records are read: a blob written meanwhile is young, and one whose
    # record is written meanwhile is found referenced.
    listed = list(artifacts.files())
    with open_store(location).read() as conn:
        in_use = reads.artifact_digests(conn)
    cutoff = time.time() - grace_seconds
    found = Collected()
    for item in listed:
        if item.digest is not None and item.digest in in_use:
            found.referenced += 1
        elif item.modified is None:
            found.undated += 1  # a storage that does not date its files: never guessed
        elif item.modified > cutoff:
            found.young += 1
        elif not dry_run and not artifacts.remove(item, written_before=cutoff):
            found.young += 1  # stored again since it was listed: about to be referred to
        else:
            found.removed.append(item)
    return found
