"""Money as users read it: integer kopecks shown as roubles ("12 ₽", "0,64 ₽", "1 250,50 ₽")."""

from __future__ import annotations


def money(kopecks: int, language: str) -> str:
    """`kopecks` in roubles: whole roubles without decimals, else two; grouped thousands.

    Russian uses a comma for decimals and a thin space for thousands; English a dot and a comma.
    """
    sign = "-" if kopecks < 0 else ""
    roubles, rest = divmod(abs(kopecks), 100)
    if language == "ru":
        whole, point = f"{roubles:,}".replace(",", "\u202f"), ","
    else:
        whole, point = f"{roubles:,}", "."
    amount = whole if rest == 0 else f"{whole}{point}{rest:02d}"
    return f"{sign}{amount} ₽"
