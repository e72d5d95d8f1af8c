"""Export formats, one module each, all behind the interface of ``base.Formatter``."""
from server.services.exports.formats.base import Formatter
from server.services.exports.formats.csv_ import CsvFormatter
from server.services.exports.formats.geojson import GeoJsonFormatter
from server.services.exports.formats.gpkg import GpkgFormatter
from server.services.exports.formats.xlsx import XlsxFormatter

FORMATS: dict[str, Formatter] = {f.name: f for f in (
    CsvFormatter(), XlsxFormatter(), GeoJsonFormatter(), GpkgFormatter())}

__all__ = ["FORMATS", "Formatter"]
