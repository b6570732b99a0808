"""Whether an automatic post may carry its pull quote: one pure decision per post.

A misattributed quote on a newsroom's own account is a correction, so each
account says how much to trust the extractor (`quote_policy`) and what to do
with a quote it is unsure of (`unsure_quote`). The decision is a function of
plain values so that every combination is tested as a table.
"""

from __future__ import annotations

from dataclasses import dataclass

# Below this a pull quote counts as unsure: a speaker found through a pronoun,
# a role, a dropped subject or an earlier paragraph (extract/quotes.py CONFIDENCE).
CONFIDENCE_THRESHOLD = 0.7

POLICIES = ("auto", "review_if_unsure", "never")
UNSURE_ACTIONS = ("hold", "drop_quote")


@dataclass(frozen=True)
class QuoteDecision:
    use_quote: bool  # compose with the pull quote
    hold: bool  # the post waits in awaiting_approval for an editor
    reason: str | None = None  # for the post's history, when the policy changed something


def decide(
    policy: str,
    unsure_quote: str,
    has_quote: bool,
    confidence: float | None,
    threshold: float = CONFIDENCE_THRESHOLD,
) -> QuoteDecision:
    """What to do with an automatic post's pull quote of this confidence under this policy."""
    if policy not in POLICIES:
        raise ValueError(f"quote_policy must be one of {', '.join(POLICIES)}, not {policy!r}")
    if unsure_quote not in UNSURE_ACTIONS:
        raise ValueError(f"unsure_quote must be one of {', '.join(UNSURE_ACTIONS)}, not {unsure_quote!r}")
    if not has_quote:
        return QuoteDecision(use_quote=False, hold=False)
    if policy == "never":
        return QuoteDecision(use_quote=False, hold=False, reason="composed without a quote (quote_policy = never)")
    if policy == "auto":
        return QuoteDecision(use_quote=True, hold=False)
    value = confidence or 0.0
    if value >= threshold:
        return QuoteDecision(use_quote=True, hold=False)
    why = f"the pull quote's speaker is uncertain (confidence {value:.2f} < {threshold:.2f})"
    if unsure_quote == "drop_quote":
        return QuoteDecision(use_quote=False, hold=False, reason=f"composed without its quote: {why}")
    return QuoteDecision(use_quote=True, hold=True, reason=f"held for an editor: {why}")
