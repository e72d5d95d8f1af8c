"""Every model, imported so that Alembic and the app see the whole schema."""
from server.models.audit import AuditEntry
from server.models.base import Base
from server.models.users import RefreshToken, Role, User

__all__ = ["AuditEntry", "Base", "RefreshToken", "Role", "User"]
