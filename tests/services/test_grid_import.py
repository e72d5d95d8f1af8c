"""Importing grid files: refusals, versions on re-import, retiring without orphaning."""
from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from server.errors import Invalid
from server.models import Assignment, Grid, GridNeighbour
from server.services.demo import DEMO_GRIDS
from server.services.grid_import import import_grids
from tests.factories import lattice_collection, make_assignment, make_user


def grids_by_code(session) -> dict[str, Grid]:
    return {g.code: g for g in session.scalars(select(Grid))}


def test_a_clean_tiling_is_imported_with_version_one(session):
    report = import_grids(session, lattice_collection())
    grids = grids_by_code(session)
    assert sorted(report.added) == sorted(grids) and len(grids) == 9
    assert {g.version for g in grids.values()} == {1}


def test_neighbours_are_the_touching_grids(session):
    import_grids(session, lattice_collection())
    grids = grids_by_code(session)
    centre = grids["T-22"].id
    neighbours = set(session.scalars(select(GridNeighbour.neighbour_id)
                                     .where(GridNeighbour.grid_id == centre)))
    assert len(neighbours) == 8  # edges and corners


def test_reimporting_the_same_file_changes_nothing(session):
    import_grids(session, lattice_collection())
    report = import_grids(session, lattice_collection())
    assert len(report.unchanged) == 9 and not report.changed
    assert {g.version for g in grids_by_code(session).values()} == {1}


def test_reimport_bumps_the_version_of_a_changed_grid_only(session):
    import_grids(session, lattice_collection())
    changed = lattice_collection()
    changed["features"][0]["properties"]["name"] = "改名网格"
    report = import_grids(session, changed)
    grids = grids_by_code(session)
    assert report.changed == ["T-11"]
    assert grids["T-11"].version == 2 and grids["T-12"].version == 1


def test_replace_retires_missing_grids_and_keeps_their_assignments(session):
    import_grids(session, lattice_collection())
    collector = make_user(session)
    assignment = make_assignment(session, collector, grids_by_code(session)["T-33"])
    smaller = lattice_collection()
    smaller["features"] = [f for f in smaller["features"] if f["properties"]["code"] != "T-33"]
    report = import_grids(session, smaller, replace=True)
    assert report.retired == ["T-33"]
    retired = grids_by_code(session)["T-33"]
    assert retired.retired_at is not None
    assert session.get(Assignment, assignment.id).grid_id == retired.id


def test_without_replace_missing_grids_stay_active(session):
    import_grids(session, lattice_collection())
    partial = lattice_collection()
    partial["features"] = partial["features"][:2]
    import_grids(session, partial)
    assert all(g.retired_at is None for g in grids_by_code(session).values())


def test_overlapping_file_is_refused_naming_both_grids_and_nothing_is_written(session):
    overlapping = lattice_collection()
    ring = overlapping["features"][1]["geometry"]["coordinates"][0]
    overlapping["features"][1]["geometry"]["coordinates"][0] = [[x - 0.005, y] for x, y in ring]
    with pytest.raises(Invalid) as refused:
        import_grids(session, overlapping)
    messages = " ".join(e["message"] for e in refused.value.errors)
    assert "T-11" in messages and "T-12" in messages
    assert session.scalar(select(func.count(Grid.id))) == 0


def test_a_partial_file_overlapping_grids_already_there_is_refused(session):
    import_grids(session, lattice_collection())
    intruder = lattice_collection(1, 1, prefix="X")
    with pytest.raises(Invalid) as refused:
        import_grids(session, intruder)
    assert refused.value.errors[0]["code"] == "overlap"


def test_self_intersecting_grid_is_refused_unless_repair_is_asked(session):
    bowtie = lattice_collection(1, 1)
    bowtie["features"][0]["geometry"]["coordinates"] = [[
        [114.30, 22.70], [114.31, 22.71], [114.31, 22.70], [114.30, 22.71], [114.30, 22.70]]]
    with pytest.raises(Invalid) as refused:
        import_grids(session, copy.deepcopy(bowtie))
    assert refused.value.errors[0]["field"] == "features[0]"
    assert refused.value.errors[0]["grid"] == "T-11"
    report = import_grids(session, bowtie, repair=True)
    assert report.added == ["T-11"] and report.warnings


def test_a_file_in_another_crs_is_refused(session):
    projected = lattice_collection(1, 1)
    projected["crs"] = {"type": "name", "properties": {"name": "EPSG:4547"}}
    with pytest.raises(Invalid) as refused:
        import_grids(session, projected)
    assert refused.value.errors[0]["code"] == "bad_crs"


def test_duplicate_codes_are_refused(session):
    twice = lattice_collection(2, 1)
    twice["features"][1]["properties"]["code"] = "T-11"
    with pytest.raises(Invalid) as refused:
        import_grids(session, twice)
    assert "duplicate_code" in {e["code"] for e in refused.value.errors}


def test_the_demo_district_imports_whole(session):
    report = import_grids(session, json.loads(DEMO_GRIDS.read_text(encoding="utf-8")))
    assert len(report.added) == 450
    assert session.scalar(select(func.count()).select_from(Grid)
                          .where(func.ST_IsValid(Grid.boundary_simplified))) == 450
