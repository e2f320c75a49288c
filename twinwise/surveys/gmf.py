"""The German Marshall Fund's published poll figures, shown beside the network's own.

Source: GMF, "Cities Need to Talk About China", Transatlantic Take, 5 May 2021,
https://www.gmfus.org/news/cities-need-talk-about-china — a poll of city directors of
international affairs in Europe and North America. Only the figures that article states are
here; GMF's category "other, including technology, climate, and health" maps to four of our
domains together, and its shares add up to 97 % as published.
"""

from django.utils.translation import gettext_lazy as _

SOURCE_TITLE = "GMF, “Cities Need to Talk About China”, 5 May 2021"
SOURCE_URL = "https://www.gmfus.org/news/cities-need-talk-about-china"
YEAR = 2021

# (our domain ids the GMF category covers, label, GMF share of mentions in %)
MOTIVATIONS = (
    (("culture",), _("Culture"), 24),
    (("investment-trade",), _("Investment and trade"), 23),
    (("general-bilateral",), _("General bilateral city partnership"), 18),
    (("tourism",), _("Tourism"), 11),
    (("academic",), _("Academic"), 11),
    (
        ("science-technology", "climate", "health", "other"),
        _("Other, including technology, climate and health"),
        10,
    ),
)
# Share of respondents who called their relationship good or excellent.
RELATIONSHIP_GOOD_OR_EXCELLENT = 66
