"""What a person is told: one `Notification` row per message in their in-app inbox (with the
channels that carried it), and each person's `NotificationSettings` (today: SMS muted or not;
in-app notifications cannot be muted)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy


class Kind(models.TextChoices):
    """What happened. A notification's title says it in full; the kind lets pages and tests tell
    them apart without reading titles."""

    REMINDER = "reminder", pgettext_lazy("notification kind", "Study reminder")
    FOLLOW_UP = "follow_up", pgettext_lazy("notification kind", "Follow-up request")
    DECLARATION_APPROVED = "declaration_approved", pgettext_lazy("notification kind", "Hours approved")
    DECLARATION_REFUSED = "declaration_refused", pgettext_lazy("notification kind", "Hours refused")
    PRACTICE_GRADED = "practice_graded", pgettext_lazy("notification kind", "Practice graded")
    PRACTICE_RETURNED = "practice_returned", pgettext_lazy("notification kind", "Practice returned")
    SPOT_CHECK_REVERSED = "spot_check_reversed", pgettext_lazy("notification kind", "Spot check")
    COMPLETION_APPROVED = "completion_approved", pgettext_lazy("notification kind", "Completion approved")
    COMPLETION_RETURNED = "completion_returned", pgettext_lazy("notification kind", "Completion returned")
    CERTIFICATE_ISSUED = "certificate_issued", pgettext_lazy("notification kind", "Certificate issued")
    OTHER = "other", pgettext_lazy("notification kind", "Notice")


class Channel(models.TextChoices):
    IN_APP = "in_app", pgettext_lazy("notification channel", "In-app")
    SMS = "sms", pgettext_lazy("notification channel", "SMS")
    EMAIL = "email", pgettext_lazy("notification channel", "Email")


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(max_length=128)
    body = models.TextField()
    url = models.CharField(max_length=255, blank=True)
    # The channels that carried it ("in_app", "sms", "email"). SMS and email go out after the
    # deciding transaction commits; one the gateway refused is taken off again.
    channels = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    scope_owner_field = "recipient"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The header's unread count on every page: an index range, never the person's history.
            models.Index(fields=["recipient", "read_at"], name="notice_unread"),
            # The list page, newest first.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notice_newest"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationSettings(models.Model):
    """A person's choices about how they are told. No row means the defaults (SMS on)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="+")
    sms_muted = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    scope_owner_field = "user"

    def __str__(self) -> str:
        return f"{self.user_id} sms_muted={self.sms_muted}"


class SmsStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("sms status", "Waiting")
    SENT = "sent", pgettext_lazy("sms status", "Sent")
    FAILED = "failed", pgettext_lazy("sms status", "Not delivered")


class SmsOutbox(models.Model):
    """One SMS to send, written in the transaction that decided it (a transactional outbox):
    a crash between the decision's commit and the gateway call loses no message, a gateway
    outage is retried with backoff, and a batch of thousands leaves in the background instead
    of inside someone's request. See notifications/outbox.py."""

    phone = models.CharField(max_length=32)
    text = models.CharField(max_length=255)
    notification = models.ForeignKey(Notification, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    status = models.CharField(max_length=8, choices=SmsStatus.choices, default=SmsStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When a sender may (next) try it: a claim pushes it forward, so two senders never send it twice.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="sms_outbox_due"),
                   models.Index(fields=["done_at"], name="sms_outbox_done")]

    def __str__(self) -> str:
        return f"{self.phone} {self.status}"
