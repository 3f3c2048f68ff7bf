"""The organiser's pages (``/my``): the blueprint is in ``views``; the form, reading it into a
listing and putting the contract's problems next to its fields are beside it."""

from assetmap.web.manage import referrals as _referrals  # noqa: F401 (adds its views)
from assetmap.web.manage.views import manage

__all__ = ["manage"]
