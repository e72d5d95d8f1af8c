"""The base map over HTTP: its description for signed-in clients, and the tiles of the
server's own package (public, cacheable, 404 for anything that is not a tile it has)."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from server import create_app
from server.basemap.package import create_package, store_tiles
from tests.conftest import app_config
from tests.factories import bearer, make_user, sign_in

TILE = (16, 53585, 28524)


def png(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def tiles(database_url: str, tmp_path: Path):
    """A client of an app serving a package with one tile."""
    path = tmp_path / "district.mbtiles"
    create_package(path, {"format": "png", "minzoom": "12", "maxzoom": "18",
                          "attribution": "区测绘院", "bounds": "114.2,22.6,114.5,22.8"})
    store_tiles(path, [(*TILE, png("#f2efe9"))])
    return create_app(app_config(database_url, TILE_PACKAGE=str(path))).test_client()


class TestDescription:
    def test_a_signed_in_client_learns_the_base_map_and_its_offline_limits(self, client, session):
        make_user(session, username="li.na")
        response = client.get("/api/v1/basemap", headers=bearer(sign_in(client, "li.na")["access_token"]))
        assert response.status_code == 200
        body = response.get_json()
        assert body["source"] is None and body["offline"] is None  # the test app has none
        assert response.headers["ETag"].strip('"') == body["version"]
        again = client.get("/api/v1/basemap", headers={
            **bearer(sign_in(client, "li.na")["access_token"]), "If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304

    def test_the_description_needs_a_sign_in(self, client):
        response = client.get("/api/v1/basemap")
        assert response.status_code == 401
        assert response.content_type == "application/problem+json"

    def test_the_openapi_document_describes_the_base_map_and_its_tiles(self, client):
        spec = client.get("/api/v1/openapi.json").get_json()
        assert "/api/v1/basemap" in spec["paths"]
        assert "/tiles/{z}/{x}/{y}.{ext}" in spec["paths"]
        properties = spec["components"]["schemas"]["TileSource"]["properties"]
        assert {"url", "crs", "attribution", "min_zoom", "max_zoom"} <= set(properties)


class TestTiles:
    def test_a_tile_is_served_with_caching_headers(self, tiles):
        response = tiles.get("/tiles/%d/%d/%d.png" % TILE)
        assert response.status_code == 200 and response.content_type == "image/png"
        assert Image.open(io.BytesIO(response.data)).size == (256, 256)
        assert response.headers["Cache-Control"] == "public, max-age=86400"
        again = tiles.get("/tiles/%d/%d/%d.png" % TILE, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304 and not again.data

    @pytest.mark.parametrize("path", [
        "/tiles/16/53585/28525.png",                 # a tile the package lacks
        "/tiles/16/53585/28524.jpg",                 # not the package's format
        "/tiles/1/5/5.png", "/tiles/30/0/0.png",     # not a tile of the pyramid
        "/tiles/-1/0/0.png", "/tiles/3/-2/0.png",    # negatives
        "/tiles/99999999999999999999999999/0/0.png",
        "/tiles/18/1/999999999999999999999999999999999999999999.png",
        "/tiles/16/53585/x.png", "/tiles/16/53585.png", "/tiles/16/53585/28524",
    ])
    def test_anything_but_a_tile_of_the_package_is_a_404_problem(self, tiles, path):
        response = tiles.get(path)
        assert response.status_code == 404
        assert response.content_type == "application/problem+json"

    def test_without_a_package_there_are_no_tiles(self, client):
        assert client.get("/tiles/%d/%d/%d.png" % TILE).status_code == 404
