"""GeoJSON (RFC 7946): a FeatureCollection of points in WGS-84 longitude, latitude order."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from server.domain.export_table import LAT, LON, ExportTable
from server.services.exports.formats.base import Batch, Formatter



class GeoJsonFormatter(Formatter):
    """One Feature per record: its id, its point, and every other column as a property.

    Lists (select_multiple) stay JSON arrays; numbers stay numbers. No ``crs`` member: RFC 7946
    coordinates are always WGS-84.
    """

    name = "geojson"
    media_type = "application/geo+json"
    extension = "geojson"

    def encode(self, table: ExportTable, batches: Iterable[Batch],
               workdir: Path) -> Iterator[bytes]:
        """The collection's opening, each batch of features as it comes, then its closing."""
        keys = [(i, column.header) for i, column in enumerate(table.columns)
                if i not in (LON, LAT)]
        yield b'{"type":"FeatureCollection","features":[\n'
        separator = b""
        for batch in batches:
            pieces = []
            for row in batch:
                feature = {"type": "Feature", "id": row[0],
                           "geometry": {"type": "Point", "coordinates": [row[LON], row[LAT]]},
                           "properties": {key: row[i] for i, key in keys}}
                pieces.append(separator + orjson.dumps(feature))  # UTF-8, nothing escaped
                separator = b",\n"
            yield b"".join(pieces)
        yield b"\n]}\n"
