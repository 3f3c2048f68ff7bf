"""Every referral state, decline reason and stop reason has words, and every move a button."""

from assetmap.models import DeclineReason, ReferralState, StopReason
from assetmap.web import referral_words as words


def test_every_value_has_its_words() -> None:
    assert set(words.STATE) == set(ReferralState) == set(words.TAG)
    assert set(words.DECLINE_REASON) == set(DeclineReason)
    assert set(words.STOP_REASON) == set(StopReason)
    assert set(words.MOVE) == set(ReferralState) - {ReferralState.SENT, ReferralState.NO_RESPONSE}
