"""Models: networks that map input variables to output variables."""

from .feed_forward import FeedForward, ResidualFeedForward
from .network import Network

__all__ = ["FeedForward", "Network", "ResidualFeedForward"]
