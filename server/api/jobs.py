"""Background jobs: how far along, and where the result is."""
from __future__ import annotations

from marshmallow import Schema, fields

from server.api.blueprint import Blueprint
from server.auth.current import current_user, login_required
from server.extensions import db
from server.models import Job
from server.services.jobs import visible_job

blp = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs", description="Background jobs")


class JobSchema(Schema):
    """A job: its state, progress (``done`` of ``total``), and result when done."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    state = fields.Function(lambda job: job.state.value, required=True,
                            metadata={"enum": ["queued", "running", "done", "failed"]})
    progress = fields.Dict(required=True)
    result = fields.Dict(allow_none=True)
    result_url = fields.Function(lambda job: (job.result or {}).get("url"), allow_none=True)
    error = fields.String(allow_none=True)
    attempts = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


@blp.route("/<int:job_id>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, JobSchema)
@login_required()
def one(job_id: int) -> Job:
    """One of my jobs (administrators: any)."""
    return visible_job(db.session, current_user(), job_id)

