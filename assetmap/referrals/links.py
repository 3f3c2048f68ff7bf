"""The organiser's emailed link: signed, single-use, expiring, and for one referral only.

The token carries the referral's id and the moment it stops working, signed with the app's
secret (itsdangerous). The expiry is checked against the clock the caller passes in, so it
follows the app's clock (and a test's). Using the link to answer marks the referral's
``link_used_at`` with a conditional UPDATE: a second use, or two clicks at once, is refused.
"""

from __future__ import annotations

import datetime as dt

from itsdangerous import BadSignature, URLSafeSerializer

from assetmap.errors import ValidationError

SALT = "assetmap-referral-answer"


class LinkGone(ValidationError):
    """A real link that no longer works: expired, used, or its referral moved on (410)."""

    code = "gone"
    http_status = 410


class ReferralLinks:
    """Makes and reads the signed link a group gets with a referral."""

    def __init__(self, secret: str, lifetime_days: int) -> None:
        self._serializer = URLSafeSerializer(secret, salt=SALT)
        self.lifetime = dt.timedelta(days=lifetime_days)

    def token(self, referral_id: int, now: dt.datetime) -> str:
        expires = int((now + self.lifetime).timestamp())
        return self._serializer.dumps({"r": referral_id, "e": expires})

    def referral_id(self, token: str, now: dt.datetime) -> int:
        """The referral a token is for; ValidationError if it is forged, LinkGone if expired."""
        try:
            data = self._serializer.loads(token)
        except BadSignature:
            raise ValidationError(
                "This link is not right: check it was copied whole from the email",
                field="token",
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("r"), int):
            raise ValidationError("This link is not right.", field="token")
        if not isinstance(data.get("e"), int) or now.timestamp() > data["e"]:
            raise LinkGone(
                "This link has expired: the link worker who referred the person can tell you "
                "what to do next",
                field="token",
            )
        return int(data["r"])
