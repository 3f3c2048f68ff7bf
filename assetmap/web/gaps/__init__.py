"""The community builder's pages: where provision is missing, and what people asked for."""

from assetmap.web.gaps.views import gaps

__all__ = ["gaps"]
