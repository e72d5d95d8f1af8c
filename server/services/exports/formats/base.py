"""The one interface every export format implements (after pygeoapi's formatter/base.py).

A format turns the export table's rows, batch by batch, into the bytes of a file. The rows it
sees are already masked (see exports/rows.py): a format never decides what a reader may see.
Formats that can be written front to back (CSV, GeoJSON) yield bytes as batches come in, so an
HTTP response streams them; formats that are built on disk (XLSX, GeoPackage) write a temporary
file in constant memory and yield it at the end.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from server.domain.export_table import ExportTable

Batch = list[list[Any]]
FILE_CHUNK = 1 << 20


class Formatter(ABC):
    """One output format: its name in ``?format=``, media type and file extension."""

    name: ClassVar[str]
    media_type: ClassVar[str]
    extension: ClassVar[str]

    @abstractmethod
    def encode(self, table: ExportTable, batches: Iterable[Batch],
               workdir: Path) -> Iterator[bytes]:
        """The file's bytes, in pieces, from rows of cells in the table's column order.

        ``workdir`` is an empty directory the format may use for temporary files.
        """


def file_pieces(path: Path) -> Iterator[bytes]:
    """A finished file's bytes in pieces of 1 MiB."""
    with path.open("rb") as file:
        yield from iter(lambda: file.read(FILE_CHUNK), b"")


def copy_pieces(pieces: Iterable[bytes], out: BinaryIO) -> int:
    """Write pieces to a file; the number of bytes written."""
    size = 0
    for piece in pieces:
        out.write(piece)
        size += len(piece)
    return size
