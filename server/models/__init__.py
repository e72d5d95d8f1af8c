"""Every model, imported so that Alembic and the app see the whole schema."""
from server.models.attachments import (
    Attachment, AttachmentUpload, RecordVersionPhoto, SubmissionPhoto)
from server.models.audit import AuditEntry
from server.models.base import Base
from server.models.departments import AccessEntry, AccessRecord, Department, Grant
from server.models.emergencies import (
    Emergency, EmergencyNotice, EmergencyPlan, EmergencyTask)
from server.models.events import Event, EventStandard, EventTransition
from server.models.forms import FormStatus, FormVersion
from server.models.grids import Assignment, AssignmentKind, Grid, GridNeighbour
from server.models.imports import ImportRejection
from server.models.jobs import Job, JobState
from server.models.login_throttle import LoginThrottle
from server.models.records import Record, RecordVersion
from server.models.sync import (
    Batch, Conflict, ConflictKind, ConflictStatus, Submission, SubmissionStatus)
from server.models.users import RefreshToken, Role, User
from server.models.webhooks import (
    DeliveryState, SubscriptionState, WebhookDelivery, WebhookSubscription)

from server.models.warnings import (EconomyMonth, EnterpriseWarning, IndicatorHistory,
                                     IndicatorValue, WarningModel, WarningRun)

__all__ = ["AccessEntry", "AccessRecord", "Assignment", "AssignmentKind", "Attachment",
           "AttachmentUpload", "AuditEntry", "Base", "Batch", "Conflict", "ConflictKind",
           "ConflictStatus", "DeliveryState", "Department", "EconomyMonth", "Emergency",
           "EmergencyNotice", "EmergencyPlan", "EmergencyTask", "EnterpriseWarning", "Event",
           "EventStandard", "EventTransition", "FormStatus", "FormVersion", "Grant", "Grid",
           "GridNeighbour", "ImportRejection", "IndicatorHistory", "IndicatorValue", "Job",
           "JobState", "LoginThrottle", "Record", "RecordVersion", "RecordVersionPhoto",
           "RefreshToken", "Role", "Submission", "SubmissionPhoto", "SubmissionStatus",
           "SubscriptionState", "User", "WarningModel", "WarningRun", "WebhookDelivery",
           "WebhookSubscription"]
