"""The money rule: float rubles become integer kopecks by their decimal text, half to even;
everything that was not a whole number of kopecks, or no amount at all, is reported."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trt_actors.importer import Findings, Verdict, to_kopecks


@pytest.mark.parametrize(
    ("value", "kopecks", "verdict"),
    [
        (152.37, 15237, Verdict.EXACT),
        (100, 10000, Verdict.EXACT),
        (0.0, 0, Verdict.EXACT),
        ("12.30", 1230, Verdict.EXACT),  # the old bot's float() also read numeric text
        (48.125, 4812, Verdict.ROUNDED),  # Stars at 1.6 ₽: the tie goes to the even kopeck
        (48.135, 4814, Verdict.ROUNDED),
        (2.675, 268, Verdict.ROUNDED),  # its text is 2.675 (the binary float is just below)
        (0.1 + 0.2, 30, Verdict.ROUNDED),  # 0.30000000000000004
        (7.005, 700, Verdict.ROUNDED),
        (-5.0, 0, Verdict.NEGATIVE),
        (float("nan"), 0, Verdict.NOT_A_NUMBER),
        (float("inf"), 0, Verdict.NOT_A_NUMBER),
        ("NaN", 0, Verdict.NOT_A_NUMBER),
        ("12 rubles", 0, Verdict.NOT_A_NUMBER),
        (None, 0, Verdict.NOT_A_NUMBER),
        (True, 0, Verdict.NOT_A_NUMBER),
        (1e300, 0, Verdict.TOO_LARGE),
    ],
)
def test_the_rule(value: object, kopecks: int, verdict: Verdict) -> None:
    amount = to_kopecks(value)
    assert (amount.kopecks, amount.verdict) == (kopecks, verdict)
    assert type(amount.kopecks) is int


def test_the_original_is_kept_as_the_source_wrote_it() -> None:
    assert to_kopecks(48.125).original == "48.125"
    assert to_kopecks(0.1 + 0.2).original == "0.30000000000000004"
    assert to_kopecks(float("nan")).original == "NaN"
    assert to_kopecks(-5.0).exact == Decimal("-5.0")
    assert to_kopecks(None).original == "null"


def test_every_value_that_is_not_whole_kopecks_is_reported() -> None:
    findings = Findings()
    kept = [findings.rubles("balance", key, value).kopecks for key, value in enumerate(
        [152.37, 48.125, -1.0, 10, float("nan"), 0.30000000000000004]
    )]  # fmt: skip
    assert kept == [15237, 4812, 0, 1000, 0, 30]
    reported = [(a.key, a.original, a.kopecks, a.reason) for a in findings.adjustments]
    assert reported == [
        ("1", "48.125", 4812, "rounded"),
        ("2", "-1.0", 0, "negative"),
        ("4", "NaN", 0, "not a number"),
        ("5", "0.30000000000000004", 30, "rounded"),
    ]
