"""The Learning Record Store's tables.

A statement is kept whole as the JSON text the LRS returns (`payload`, with id, stored,
authority, version and timestamp set), beside indexed columns for every query filter. Agents,
verbs and activities are indexed by a 16-byte digest of their identifier (`ifi_key`,
`iri_key`), so an index entry is small whatever the length of an IRI. Every row carries the
institution that owns it; every read filters by it."""

from django.db import models
from django.utils import timezone


class Statement(models.Model):
    seq = models.BigAutoField(primary_key=True)
    institution = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                    db_index=False)
    statement_id = models.UUIDField()
    stored = models.DateTimeField()
    # Digests (see keys.py) of the actor, of the object when it is an Agent or Group, of the
    # authority, of the verb id and of the object Activity's id.
    actor_key = models.UUIDField()
    object_agent_key = models.UUIDField(null=True)
    authority_key = models.UUIDField(null=True)
    verb_key = models.UUIDField()
    verb_id = models.TextField()
    activity_key = models.UUIDField(null=True)
    registration = models.UUIDField(null=True)
    # The target of a StatementRef object (voiding statements among them).
    object_ref = models.UUIDField(null=True)
    voiding = models.BooleanField(default=False)
    voided = models.BooleanField(default=False)
    payload = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["institution", "statement_id"], name="xapi_statement_unique_id"),
        ]
        indexes = [
            models.Index(fields=["institution", "stored", "seq"], name="xapi_st_stored"),
            models.Index(fields=["institution", "actor_key", "verb_key", "stored"], name="xapi_st_actor_verb"),
            models.Index(fields=["institution", "object_agent_key", "stored"], name="xapi_st_object_agent",
                         condition=models.Q(object_agent_key__isnull=False)),
            models.Index(fields=["institution", "verb_key", "stored"], name="xapi_st_verb"),
            models.Index(fields=["institution", "activity_key", "stored"], name="xapi_st_activity",
                         condition=models.Q(activity_key__isnull=False)),
            models.Index(fields=["institution", "registration", "stored"], name="xapi_st_registration",
                         condition=models.Q(registration__isnull=False)),
            models.Index(fields=["institution", "object_ref"], name="xapi_st_ref",
                         condition=models.Q(object_ref__isnull=False)),
        ]

    def __str__(self) -> str:
        return str(self.statement_id)


class RelationKind(models.IntegerChoices):
    # A member of a Group that is the actor or the object: matches the plain `agent` filter.
    MEMBER = 1
    # Instructor, team, their members, agents inside a SubStatement: `related_agents` only.
    AGENT = 2
    # Context activities and a SubStatement's activities: `related_activities` only.
    ACTIVITY = 3


class StatementRelation(models.Model):
    """The agents and activities a statement mentions beyond its indexed columns."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="+", db_index=False)
    institution_id = models.BigIntegerField()
    kind = models.PositiveSmallIntegerField(choices=RelationKind.choices)
    key = models.UUIDField()

    class Meta:
        indexes = [models.Index(fields=["institution_id", "kind", "key"], name="xapi_rel_key")]

    def __str__(self) -> str:
        return f"{self.statement_id} {self.kind} {self.key}"


class Attachment(models.Model):
    """Attachment content received in multipart/mixed, identified by its SHA-2."""

    institution = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                    db_index=False)
    sha2 = models.CharField(max_length=128)
    content_type = models.CharField(max_length=255)
    content = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["institution", "sha2"], name="xapi_attachment_unique")]

    def __str__(self) -> str:
        return self.sha2


class Activity(models.Model):
    """The canonical definition of an activity: the definitions statements carried, merged."""

    institution = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                    db_index=False)
    key = models.UUIDField()
    activity_id = models.TextField()
    definition = models.JSONField(default=dict)

    class Meta:
        verbose_name_plural = "activities"
        constraints = [models.UniqueConstraint(fields=["institution", "key"], name="xapi_activity_unique")]

    def __str__(self) -> str:
        return self.activity_id


class DocumentKind(models.TextChoices):
    STATE = "state"
    ACTIVITY_PROFILE = "activity_profile"
    AGENT_PROFILE = "agent_profile"


class Document(models.Model):
    """A state, activity profile or agent profile document.

    `scope_key` digests what the document hangs off (kind, activity, agent, registration), so
    one index finds a document or lists a scope's ids."""

    institution = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                    db_index=False)
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    scope_key = models.UUIDField()
    # For deleting a state scope without a registration (all registrations go).
    scope_noreg_key = models.UUIDField()
    doc_id = models.TextField()
    content = models.BinaryField()
    content_type = models.CharField(max_length=255)
    etag = models.CharField(max_length=64)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["institution", "scope_key", "doc_id"],
                                               name="xapi_document_unique")]
        indexes = [models.Index(fields=["institution", "scope_noreg_key"], name="xapi_doc_noreg")]

    def __str__(self) -> str:
        return self.doc_id
