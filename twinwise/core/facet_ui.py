"""What the faceted list pages (registry, experience reports) show beside their results:
groups of checkboxes with counts, and removable chips for active filters."""

from dataclasses import dataclass

from django.utils.text import slugify

VISIBLE_VALUES = 6  # values shown before "Show N more"


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    dom_id: str


@dataclass
class FacetGroup:
    facet: str
    title: str
    hint: str
    options: list[FacetOption]
    more: list[FacetOption]

    @property
    def has_selected_more(self) -> bool:
        return any(o.selected for o in self.more)


@dataclass
class Chip:
    label: str
    remove_url: str
    # Removing the text search (or a filter shown outside the part htmx replaces) changes
    # controls htmx does not swap, so such chips load the whole page.
    full_page: bool = False


def facet_option(facet: str, fv) -> FacetOption:
    """One checkbox. Its id follows the value, not its position, so htmx gives focus back to
    the same box after new counts reorder the list."""
    key = slugify(fv.value) or fv.value.encode().hex()
    return FacetOption(fv.value, fv.label, fv.count, fv.selected, f"f-{facet}-{key}"[:120])


def facet_groups(facets: dict, groups: tuple[tuple[str, str, str], ...]) -> list[FacetGroup]:
    """The groups (facet, title, hint) that have values, each split into shown and "more"."""
    out = []
    for facet, title, hint in groups:
        options = [facet_option(facet, fv) for fv in facets.get(facet, [])]
        if options:
            shown, more = options[:VISIBLE_VALUES], options[VISIBLE_VALUES:]
            out.append(FacetGroup(facet, str(title), str(hint), shown, more))
    return out


@dataclass
class Pager:
    previous_url: str
    next_url: str
    first_url: str
    last_url: str


def pager(current: int, last: int, url_for) -> Pager | None:
    """Previous / next (and first / last) links; None when everything fits on one page.

    `url_for(page)` builds the address of a page with the list's filters kept.
    """
    if last <= 1:
        return None
    return Pager(
        previous_url=url_for(min(current, last + 1) - 1) if current > 1 else "",
        next_url=url_for(current + 1) if current < last else "",
        first_url=url_for(1) if current > 2 else "",
        last_url=url_for(last) if current < last - 1 else "",
    )
