"""quote_policy.decide: every combination of an account's settings and a quote's confidence."""

import pytest

from distributor.quote_policy import CONFIDENCE_THRESHOLD, decide

SURE, UNSURE = 0.9, 0.5


@pytest.mark.parametrize(
    "policy, unsure, has_quote, confidence, use_quote, hold, says",
    [
        ("review_if_unsure", "hold", True, SURE, True, False, None),
        ("review_if_unsure", "hold", True, UNSURE, True, True, "held for an editor"),
        ("review_if_unsure", "drop_quote", True, UNSURE, False, False, "without its quote"),
        ("review_if_unsure", "drop_quote", True, SURE, True, False, None),
        ("review_if_unsure", "hold", True, None, True, True, "confidence 0.00"),
        ("review_if_unsure", "hold", False, None, False, False, None),
        ("review_if_unsure", "hold", True, CONFIDENCE_THRESHOLD, True, False, None),
        ("auto", "hold", True, UNSURE, True, False, None),
        ("auto", "drop_quote", True, UNSURE, True, False, None),
        ("never", "hold", True, SURE, False, False, "quote_policy = never"),
        ("never", "drop_quote", False, None, False, False, None),
    ],
)
def test_decision_table(policy, unsure, has_quote, confidence, use_quote, hold, says):
    decision = decide(policy, unsure, has_quote, confidence)
    assert (decision.use_quote, decision.hold) == (use_quote, hold)
    if says is None:
        assert decision.reason is None
    else:
        assert says in decision.reason


def test_unknown_settings_are_refused_with_their_name():
    with pytest.raises(ValueError, match="quote_policy"):
        decide("sometimes", "hold", True, 0.9)
    with pytest.raises(ValueError, match="unsure_quote"):
        decide("auto", "maybe", True, 0.9)
