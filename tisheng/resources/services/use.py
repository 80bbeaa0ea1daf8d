"""Reading a resource leaves a trace the ranking counts: a view (the detail page, at most once a
day per person), a download, "used in my plan/lesson" (with where); a rating is 1–5 stars and
a comment, one per person per resource (rating again replaces it)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tisheng.accounts.services import audit
from tisheng.resources.models import Rating, Resource, UsageEvent, UsageKind

BAD_STARS = gettext_noop("Choose 1 to 5 stars.")
COMMENT_TOO_LONG = gettext_noop("The comment is longer than 1,000 characters.")
NOTE_TOO_LONG = gettext_noop("Say where you used it in at most 128 characters.")


def usage_record(*, actor, resource: Resource, kind: str, note: str = "") -> UsageEvent | None:
    """One use; a second view by the same person the same day is not recorded again."""
    note = (note or "").strip()
    if len(note) > 128:
        raise ValidationError(_(NOTE_TOO_LONG))
    if kind == UsageKind.VIEW and UsageEvent.objects.filter(
            resource=resource, user=actor, kind=kind, at__gte=timezone.now() - dt.timedelta(days=1)).exists():
        return None
    event = UsageEvent.objects.create(resource=resource, user=actor, kind=kind, note=note)
    if kind == UsageKind.USED:
        audit(actor=actor, action="resources.use", obj=resource, note=note)
    return event


def rating_set(*, actor, resource: Resource, stars: int | str, comment: str = "") -> Rating:
    try:
        stars = int(stars)
    except (TypeError, ValueError):
        raise ValidationError(_(BAD_STARS)) from None
    if not 1 <= stars <= 5:
        raise ValidationError(_(BAD_STARS))
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise ValidationError(_(COMMENT_TOO_LONG))
    with transaction.atomic():
        rating, created = Rating.objects.select_for_update().get_or_create(
            resource=resource, user=actor, defaults={"stars": stars, "comment": comment})
        if not created:
            rating.stars, rating.comment, rating.updated_at = stars, comment, timezone.now()
            rating.save(update_fields=["stars", "comment", "updated_at"])
        # The ranking job recomputes the score; the count and mean show at once.
        totals = Rating.objects.filter(resource=resource).aggregate(n=Count("id"), total=Sum("stars"))
        Resource.objects.filter(pk=resource.pk).update(rating_count=totals["n"], rating_sum=totals["total"] or 0)
        audit(actor=actor, action="resources.rate", obj=resource, stars=stars)
    return rating
