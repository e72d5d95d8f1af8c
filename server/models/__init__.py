"""Every model, imported so that Alembic and the app see the whole schema."""
from server.models.audit import AuditEntry
from server.models.base import Base
from server.models.departments import AccessEntry, AccessRecord, Department, Grant
from server.models.forms import FormStatus, FormVersion
from server.models.grids import Assignment, AssignmentKind, Grid, GridNeighbour
from server.models.jobs import Job, JobState
from server.models.records import Record, RecordVersion
from server.models.sync import (
    Batch, Conflict, ConflictKind, ConflictStatus, Submission, SubmissionStatus)
from server.models.users import RefreshToken, Role, User
from server.models.webhooks import (
    DeliveryState, SubscriptionState, WebhookDelivery, WebhookSubscription)

__all__ = ["AccessEntry", "AccessRecord", "Department", "Grant", "Batch", "Conflict", "ConflictKind", "ConflictStatus", "Record", "RecordVersion",
           "Submission", "SubmissionStatus", "Assignment", "AssignmentKind", "AuditEntry", "Base", "FormStatus", "FormVersion", "Grid", "GridNeighbour", "Job", "JobState", "RefreshToken", "Role", "User",
           "DeliveryState", "SubscriptionState", "WebhookDelivery", "WebhookSubscription"]
