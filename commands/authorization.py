"""Who may do what on the write side. A refusal is a rejection with code `forbidden`."""

from __future__ import annotations

from commands.command_log import CommandRecord
from commands.models import AUDITORS, SUPPORT, SYSTEM, Envelope
from domain.errors import DomainError, Forbidden


class ReasonRequired(DomainError):
    code = "reason_required"


def ensure_may_write(envelope: Envelope) -> None:
    """Auditors are read-only, whatever else they are."""
    if envelope.actor.is_in(AUDITORS):
        raise Forbidden("Auditors have read-only access.")


def ensure_owner(envelope: Envelope, owner: str, what: str) -> None:
    if envelope.actor.user_id != owner:
        raise Forbidden(f"Only the owner of this {what} may change it.")


def ensure_self(envelope: Envelope, person_id: str, what: str) -> None:
    """Only the person themself: not support, not an auditor, not anyone else."""
    if envelope.actor.user_id != person_id:
        raise Forbidden(f"Only the person themself may change their {what}.")


def ensure_system(envelope: Envelope) -> None:
    if not envelope.actor.is_in(SYSTEM):
        raise Forbidden("Only the image pipeline may record processing results.")


def ensure_may_revert(envelope: Envelope, target: CommandRecord, force: bool) -> None:
    """Owners revert their own commands; support reverts anyone's, always with a reason."""
    is_support = envelope.actor.is_in(SUPPORT)
    reason = (envelope.reason or "").strip()
    if target.actor_id != envelope.actor.user_id and not is_support:
        raise Forbidden("Only the person who issued a command, or support, may revert it.")
    if is_support and target.actor_id != envelope.actor.user_id and not reason:
        raise ReasonRequired("Support must give a reason when reverting someone's command.")
    if force and not (is_support and reason):
        raise Forbidden("Only support, with a reason, may override an undo conflict.")
