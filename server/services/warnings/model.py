"""Publishing the warning model (as data, with versions) and reading the one in force."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.warning_model import model_errors
from server.errors import Conflict, Invalid
from server.models import WarningModel
from server.services.versioned import publish_version


@dataclass(frozen=True)
class ModelPublication:
    """The stored version, and whether this call stored it (False: it was already there)."""

    model: WarningModel
    created: bool


def publish_model(session: Session, definition: Any, actor_id: int | None = None
                  ) -> ModelPublication:
    """Check a warning model and store it as an immutable version (the same content again:
    a no-op; other content under a published version number: 409)."""
    errors = model_errors(definition)
    if errors:
        raise Invalid("The warning model is not valid.", errors=[e.as_dict() for e in errors])
    version = definition["version"]
    published = publish_version(
        session, WarningModel, version, definition, actor_id, name=f"Warning model v{version}",
        audit="warning_model_published", subject=f"warning_model@{version}", version=version)
    return ModelPublication(published.row, published.created)


def current_model(session: Session) -> WarningModel:
    """The model in force: the latest version (409 when none is published)."""
    model = session.scalar(select(WarningModel).order_by(WarningModel.version.desc()).limit(1))
    if model is None:
        raise Conflict("No warning model is published; publish one with "
                       "`flask warnings model standards/warning.v1.json`.")
    return model
