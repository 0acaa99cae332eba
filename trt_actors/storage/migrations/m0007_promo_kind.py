"""Migration 7: promo codes worth free generations.

`kind` is ``money`` (the code credits `amount` kopecks) or ``free`` (it grants `amount` bonus
free generations, `free_bonus` rows keyed by code and user).
"""

SHARED = """
ALTER TABLE promo_codes ADD COLUMN kind TEXT NOT NULL DEFAULT 'money'
    CHECK (kind IN ('money', 'free'));
"""
