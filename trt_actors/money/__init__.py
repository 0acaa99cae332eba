"""Money operations performed in storage: Stars payments and refunds, reviewed bank
transfers, promo codes, referral and welcome bonuses, and the free generations a job
reserves at Confirm and settles when it ends."""

from .free import consume_free, free_left, reserve_free, settle_free
from .perform import perform

__all__ = ["consume_free", "free_left", "perform", "reserve_free", "settle_free"]
