"""Digests the statement table is indexed by, and what a statement mentions.

An Agent or identified Group is keyed by its inverse functional identifier, an IRI (verb,
activity) by itself; both through MD5 into a UUID, which is only an index key (the full
statement is always compared afterwards where a collision could matter)."""

from __future__ import annotations

import functools
import hashlib
import uuid

from tisheng.xapi.models import RelationKind


@functools.lru_cache(maxsize=65536)
def digest(text: str) -> uuid.UUID:
    # Cached: a batch repeats its verbs, activities and often its actors.
    return uuid.UUID(bytes=hashlib.md5(text.encode(), usedforsecurity=False).digest())


def ifi(agent: dict) -> str | None:
    """The canonical text of an Agent's or Group's inverse functional identifier (None: anonymous)."""
    if "mbox" in agent:
        return "mbox|" + agent["mbox"]
    if "mbox_sha1sum" in agent:
        return "sha1|" + agent["mbox_sha1sum"].lower()
    if "openid" in agent:
        return "openid|" + agent["openid"]
    account = agent.get("account")
    if account is not None:
        return "account|" + account["homePage"] + "|" + account["name"]
    return None


def agent_key(agent: dict) -> uuid.UUID | None:
    text = ifi(agent)
    return digest(text) if text is not None else None


def iri_key(iri: str) -> uuid.UUID:
    return digest(iri)


def _agent_and_members(agent: dict, keys: set, members: set | None = None) -> None:
    key = agent_key(agent)
    if key is not None:
        keys.add(key)
    for member in agent.get("member") or ():
        key = agent_key(member)
        if key is not None:
            (members if members is not None else keys).add(key)


def _context_agents_and_activities(context: dict | None, agents: set, activities: set) -> None:
    if not context:
        return
    if "instructor" in context:
        _agent_and_members(context["instructor"], agents)
    if "team" in context:
        _agent_and_members(context["team"], agents)
    for listed in (context.get("contextActivities") or {}).values():
        for activity in listed:
            activities.add(iri_key(activity["id"]))


def index_fields(s: dict) -> tuple[dict, list[tuple[int, uuid.UUID]]]:
    """The indexed columns of a valid statement and its relation rows [(kind, key)]."""
    actor = s["actor"]
    obj = s["object"]
    object_type = obj.get("objectType", "Activity")
    context = s.get("context")
    members: set = set()
    related_agents: set = set()
    related_activities: set = set()
    fields = {
        "actor_key": agent_key(actor) or digest("anonymous"),
        "verb_key": iri_key(s["verb"]["id"]),
        "verb_id": s["verb"]["id"],
        "object_agent_key": None,
        "activity_key": None,
        "object_ref": None,
        "registration": context.get("registration") if context else None,
    }
    for member in actor.get("member") or ():
        key = agent_key(member)
        if key is not None:
            members.add(key)
    if object_type == "Activity":
        fields["activity_key"] = iri_key(obj["id"])
    elif object_type in ("Agent", "Group"):
        fields["object_agent_key"] = agent_key(obj)
        for member in obj.get("member") or ():
            key = agent_key(member)
            if key is not None:
                members.add(key)
    elif object_type == "StatementRef":
        fields["object_ref"] = obj["id"].lower()
    else:  # SubStatement: everything in it is "related"
        _agent_and_members(obj["actor"], related_agents)
        sub_object = obj["object"]
        sub_type = sub_object.get("objectType", "Activity")
        if sub_type == "Activity":
            related_activities.add(iri_key(sub_object["id"]))
        elif sub_type in ("Agent", "Group"):
            _agent_and_members(sub_object, related_agents)
        _context_agents_and_activities(obj.get("context"), related_agents, related_activities)
    _context_agents_and_activities(context, related_agents, related_activities)
    relations = ([(RelationKind.MEMBER, k) for k in members]
                 + [(RelationKind.AGENT, k) for k in related_agents]
                 + [(RelationKind.ACTIVITY, k) for k in related_activities])
    return fields, relations
