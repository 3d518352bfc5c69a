"""The playground: the stand-in as a product. A seeded community, a web page that looks and behaves like a
Discord channel, and a guided tour, all driving the stand-in through the same endpoints and interaction
machinery the bot and the tests use. It never imports the bot: ``quidprono demo`` wires the two together."""

from .community import Community, seed_community
from .tour import Tour, TourStep
from .web import Playground, PlaygroundApp

__all__ = ["Community", "Playground", "PlaygroundApp", "Tour", "TourStep", "seed_community"]
