"""django-q2 tasks of the sharing app (run by the worker, after the commit that queued them)."""

from sharing.invitations import invitation_mail_send


def invitation_mail_task(invitation_id: str) -> bool:
    """E-mail a pending invitation its sign-up link (sharing.invitations.invitation_mail_send)."""
    return invitation_mail_send(invitation_id=invitation_id)
