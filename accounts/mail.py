"""What Kosha says about e-mail, depending on whether a mail server is configured.

Design: with no mail server (the embedded default, EMAIL_URL unset) verification is off,
addresses stay honestly *unverified*, two-factor may be set up anyway
(MFA_ALLOW_UNVERIFIED_EMAIL) and no page claims that a message was sent: allauth's mails
are withheld with one log line, its "confirmation sent" notice is replaced, and the
password reset form explains that the operator resets passwords. Once SMTP is configured,
verification is mandatory by default and the same pages offer to (re)send verification.
Marking unproven addresses verified would have been simpler, but it would lose for good
which addresses were ever proven once mail is turned on.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

NO_DELIVERY_VERIFICATION_MESSAGE = (
    "This server does not send e-mail yet, so the address stays unverified. "
    "Nothing was sent; the operator can set up mail (EMAIL_URL)."
)
NO_DELIVERY_RESET_MESSAGE = (
    "This server does not send e-mail yet, so it cannot send you a reset link. "
    "Ask the operator to set a new password for you."
)
SEND_FAILED_MESSAGE = "The e-mail could not be sent just now (the mail server did not answer). Please try again later."


def mail_withheld(*, template: str, recipient: str) -> None:
    """Record that allauth's mail `template` for `recipient` was not sent because no mail
    server is configured. Writes one log line (no body: it may hold a sign-in link)."""
    logger.warning("E-mail %s to %s not sent: no mail server is configured (set EMAIL_URL)", template, recipient)
