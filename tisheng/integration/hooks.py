"""What the LRS tells the rest of tisheng: statements stored and statements voided.

The xapi app calls these inside the transaction that stores the statements, once per request
(a whole batch at a time), so an implementation must be set-based: a fixed number of queries
per batch, whatever its size."""

from tisheng.integration.auth import XapiClient


def statements_stored(client: XapiClient, statements: list[dict]) -> None:
    """`statements`: the stored statements as the LRS returns them (with id, stored, authority).
    Maps completions to ledger credits (integration app)."""


def statements_voided(client: XapiClient, statement_ids: list[str]) -> None:
    """The ids of statements this batch voided (the targets, not the voiding statements)."""
