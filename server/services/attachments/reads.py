"""Reading a photo: only for users whose scope covers a record (or a conflict, or an item of
their own) that references it. The scope is the one rule of services.scope."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.domain.photos import SHA256_HEX
from server.errors import DomainError, NotFound
from server.models import Attachment, Role, User
from server.services.attachments.store import blob_key, thumb_key
from server.services.scope import record_scope, review_scope

REVIEWER_ROLES = frozenset({Role.admin, Role.supervisor})


class NotArrived(DomainError):
    """Referenced, readable, but its bytes (or its thumbnail) are not here yet."""

    status, type, title = 404, "attachment-pending", "Not arrived yet"


@dataclass(frozen=True)
class ReadablePhoto:
    """Where a readable photo (or its thumbnail) is, and how to answer with it."""

    sha256: str
    key: str
    content_type: str
    etag: str


_MAY_READ = text("""
SELECT EXISTS (SELECT 1 FROM record_version_photos p JOIN records r ON r.id = p.record_id
                WHERE p.sha256 = :sha
                  AND (CAST(:scope AS bigint[]) IS NULL OR r.grid_id = ANY(CAST(:scope AS bigint[]))))
    OR EXISTS (SELECT 1 FROM submission_photos p JOIN submissions s ON s.id = p.submission_id
                WHERE p.sha256 = :sha AND s.collector_id = :user)
    OR (:reviews AND EXISTS (
               SELECT 1 FROM submission_photos p JOIN conflicts c ON c.submission_id = p.submission_id
                WHERE p.sha256 = :sha
                  AND (CAST(:review AS bigint[]) IS NULL OR c.grid_id = ANY(CAST(:review AS bigint[])))))""")


def may_read(session: Session, user: User, sha256: str) -> bool:
    """Whether a record in the user's record scope, a conflict the user reviews, or an item
    the user sent references this photo."""
    reviews = user.role in REVIEWER_ROLES
    return bool(session.execute(_MAY_READ, {
        "sha": sha256, "scope": record_scope(session, user), "user": user.id,
        "reviews": reviews, "review": review_scope(session, user) if reviews else None,
    }).scalar())


def readable_photo(session: Session, user: User, sha256: str, variant: str | None) -> ReadablePhoto:
    """The photo (``variant="thumb"``: its thumbnail) if the user may read it and it is here."""
    sha = sha256.lower()
    if not SHA256_HEX.fullmatch(sha) or not may_read(session, user, sha):
        raise NotFound(f"No photo {sha256} among the photos you may see.")
    stored = session.get(Attachment, sha)
    if stored is None:
        raise NotArrived("This photo is referenced but has not been uploaded yet.",
                         state="pending")
    if variant == "thumb":
        if stored.thumb_size is None:
            raise NotArrived("The thumbnail is being made; ask again shortly or read the photo.",
                             state="thumbnail_pending")
        return ReadablePhoto(sha, thumb_key(sha), "image/jpeg", f"{sha}-thumb")
    return ReadablePhoto(sha, blob_key(sha), stored.content_type, sha)
