"""Money operations performed in storage: Stars payments and refunds, reviewed bank
transfers, promo codes, referral and welcome bonuses, and the free generations a job uses."""

from .free import consume_free, free_left
from .perform import perform

__all__ = ["consume_free", "free_left", "perform"]
