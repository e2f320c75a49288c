"""The experience-report form, the lookups behind its pickers, and the "who will see it" text.

The form only parses what the browser sent into the `data` and `recipients` the services
take; every rule about the values (taxonomy ids, lengths, recipients per sharing level)
lives in `cases.services` and comes back as a UserFacingError naming the field, which the
form shows next to that field.
"""

import datetime as dt
from dataclasses import dataclass, field

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.dates import MONTHS as DJANGO_MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from twinwise.accounts.models import Organisation
from twinwise.cases import services
from twinwise.cases.selectors import generalised_reporter, person_name
from twinwise.core import taxonomy
from twinwise.core.errors import UserFacingError

# The five steps of the form, in order: (anchor, heading).
STEPS = (
    ("what-happened", gettext_lazy("What happened")),
    ("what-was-asked", gettext_lazy("What was asked")),
    ("how-you-answered", gettext_lazy("How you answered")),
    ("how-it-ended", gettext_lazy("How it ended")),
    ("sharing", gettext_lazy("Who can see it")),
)

# The service names fields as the interchange format does; the form names its inputs.
SERVICE_TO_FORM_FIELD = {
    "occurred_on": "occurred_year",
    "recipients.members": "members",
    "recipients.users": "users",
}

# What each sharing level means, said from the author's side of the form.
TLP_CHOICES_FOR_AUTHOR = {
    "red": gettext_lazy("Only you, the people you name and your office's admins."),
    "amber-strict": gettext_lazy("Only your office: everyone with an account in it."),
    "amber": gettext_lazy("Your office and the member organisations you name."),
    "green": gettext_lazy(
        "Every verified member organisation of the network, after a moderator has checked it."
    ),
    "clear": gettext_lazy(
        "Everyone, including the public and the open-data export, after a moderator has checked it."
    ),
}

# Field names as the person filling in the form knows them (error summary, history).
FIELD_LABELS = {
    "title": gettext_lazy("Title"),
    "occurred_year": gettext_lazy("When it happened"),
    "occurred_month": gettext_lazy("When it happened"),
    "occurred_day": gettext_lazy("When it happened"),
    "occurred_on": gettext_lazy("When it happened"),
    "counterpart_kind": gettext_lazy("Who the counterpart was"),
    "counterpart_name": gettext_lazy("Name of the counterpart"),
    "partnership": gettext_lazy("Partnership"),
    "channel": gettext_lazy("How it reached you"),
    "case_type": gettext_lazy("Kind of case"),
    "summary": gettext_lazy("What happened"),
    "demand": gettext_lazy("What was asked"),
    "topics": gettext_lazy("Topics"),
    "response": gettext_lazy("What your city did"),
    "response_type": gettext_lazy("Kind of answer"),
    "outcome": gettext_lazy("How it ended"),
    "lessons": gettext_lazy("What others should know"),
    "language": gettext_lazy("Language"),
    "tlp": gettext_lazy("Who can see it"),
    "members": gettext_lazy("Organisations to share with"),
    "users": gettext_lazy("People to share with"),
    "recipients": gettext_lazy("Recipients"),
    "anonymous": gettext_lazy("Share anonymously"),
    "state": gettext_lazy("State"),
}

# What to say when a field a shared report needs is empty.
REQUIRED_MESSAGES = {
    "title": gettext_lazy("Give the report a title."),
    "occurred_year": gettext_lazy("Give at least the year it happened."),
    "case_type": gettext_lazy("Choose the kind of case."),
    "summary": gettext_lazy("Describe what happened, in a few sentences."),
    "tlp": gettext_lazy("Choose who can see the report."),
}

PICKER_LIMIT = 20
MONTHS = [(str(number), name) for number, name in DJANGO_MONTHS.items()]


class IdListField(forms.Field):
    """Repeated values (`?members=3&members=7`) as a list of strings; the service checks them."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        return [str(v).strip() for v in (value or []) if str(v).strip()]


class CaseForm(forms.Form):
    title = forms.CharField(required=False, strip=True)
    occurred_day = forms.IntegerField(required=False, min_value=1, max_value=31)
    occurred_month = forms.IntegerField(required=False, min_value=1, max_value=12)
    occurred_year = forms.IntegerField(required=False)
    counterpart_kind = forms.CharField(required=False)
    counterpart_name = forms.CharField(required=False)
    partnership = forms.CharField(required=False)
    channel = forms.CharField(required=False)
    case_type = forms.CharField(required=False)
    summary = forms.CharField(required=False, strip=True)
    demand = forms.CharField(required=False, strip=True)
    topics = IdListField(required=False)
    response = forms.CharField(required=False, strip=True)
    response_type = forms.CharField(required=False)
    outcome = forms.CharField(required=False, strip=True)
    lessons = forms.CharField(required=False, strip=True)
    tlp = forms.CharField(required=False)
    members = IdListField(required=False)
    users = IdListField(required=False)
    anonymous = forms.BooleanField(required=False)

    def clean_occurred_year(self):
        year = self.cleaned_data.get("occurred_year")
        if year is not None and not 1900 <= year <= dt.date.today().year + 1:
            raise forms.ValidationError(_("Enter a year such as %(year)d.") % {"year": 2021})
        return year

    def clean(self):
        cleaned = super().clean()
        year, month, day = (cleaned.get(f"occurred_{p}") for p in ("year", "month", "day"))
        if (month or day) and not year:
            self.add_error("occurred_year", _("Give the year as well."))
        elif day and not month:
            self.add_error("occurred_month", _("Give the month as well, or leave the day empty."))
        elif year and month and day:
            try:
                dt.date(year, month, day)
            except ValueError:
                self.add_error("occurred_day", _("That day does not exist in that month."))
        return cleaned

    # -- what the services take ----------------------------------------------------------

    def occurred_on(self) -> str:
        c = self.cleaned_data
        year, month, day = c.get("occurred_year"), c.get("occurred_month"), c.get("occurred_day")
        if not year:
            return ""
        if not month:
            return f"{year:04d}"
        return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")

    def case_data(self) -> dict:
        c = self.cleaned_data
        data = {f: c.get(f, "") for f in services.EDITABLE if f in self.fields}
        data["occurred_on"] = self.occurred_on()
        data["topics"] = c.get("topics") or []
        data["anonymous"] = bool(c.get("anonymous"))
        data["partnership"] = c.get("partnership") or None
        return data

    def recipients(self) -> dict:
        return {
            "members": self.cleaned_data.get("members") or [],
            "users": self.cleaned_data.get("users") or [],
        }

    def add_service_error(self, error: UserFacingError) -> None:
        """Show a service's UserFacingError next to the field it names (or at the top)."""
        name = SERVICE_TO_FORM_FIELD.get(error.field or "", error.field)
        if name == "recipients":
            name = "users" if self.cleaned_data.get("tlp") == "red" else "members"
        message = error.message[:1].upper() + error.message[1:]
        self.add_error(name if name in self.fields else None, message)

    def missing_to_submit(self) -> list[str]:
        """Fields a report needs before it can be shared (all of them, not only the first)."""
        data = self.case_data()
        return [
            SERVICE_TO_FORM_FIELD.get(f, f) for f in services.REQUIRED_TO_SUBMIT if not data.get(f)
        ]


def initial_from_case(case) -> dict:
    """The form's starting values for an existing draft."""
    initial = {f: getattr(case, f) for f in services.EDITABLE if f != "occurred_on"}
    if case.occurred_on:
        parts = [int(p) for p in case.occurred_on.split("-")]
        for name, value in zip(("year", "month", "day"), parts, strict=False):
            initial[f"occurred_{name}"] = value
    initial["partnership"] = str(case.partnership_id or "")
    initial["members"] = [str(i) for i in case.recipient_organisations.values_list("pk", flat=True)]
    initial["users"] = [str(i) for i in case.recipient_users.values_list("pk", flat=True)]
    return initial


# -- pickers -------------------------------------------------------------------------------


def _ids(values) -> list[int]:
    return [int(v) for v in values or () if str(v).isdigit()]


def organisation_choices(*, actor, q: str = "", exclude=()) -> list[Organisation]:
    """Member organisations an amber report may be shared with (verified, not the author's own)."""
    qs = (
        Organisation.objects.filter(verified=True, is_public_record=False)
        .exclude(pk=actor.organisation_id)
        .exclude(pk__in=_ids(exclude))
        .select_related("place", "country")
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(place__name__icontains=q) | Q(slug__icontains=q))
    return list(qs.order_by("name")[:PICKER_LIMIT])


def user_choices(*, actor, q: str = "", exclude=()):
    """People a red report may be shared with; without a search, the author's colleagues."""
    qs = (
        get_user_model()
        .objects.filter(is_active=True, organisation__isnull=False)
        .exclude(pk=actor.user_id)
        .exclude(pk__in=_ids(exclude))
        .select_related("organisation__place")
    )
    if q:
        qs = qs.filter(
            Q(username__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(organisation__name__icontains=q)
        )
    else:
        qs = qs.filter(organisation_id=actor.organisation_id)
    return list(qs.order_by("last_name", "first_name", "username")[:PICKER_LIMIT])


def chosen_organisations(ids) -> list[Organisation]:
    return list(
        Organisation.objects.filter(pk__in=_ids(ids)).select_related("place").order_by("name")
    )


def chosen_users(ids):
    return list(
        get_user_model()
        .objects.filter(pk__in=_ids(ids))
        .select_related("organisation__place")
        .order_by("last_name", "first_name", "username")
    )


def short_name(org: Organisation) -> str:
    """'Lyon' for the City of Lyon's office: how colleagues name each other."""
    return org.place.name if org.place_id and org.place else org.name


def person_label(user) -> str:
    org = user.organisation
    return f"{person_name(user)} ({short_name(org)})" if org else person_name(user)


# -- who will see it -----------------------------------------------------------------------


@dataclass
class Audience:
    """The "who will be able to see this" box: a headline and the details, in sentences."""

    headline: str
    details: list[str] = field(default_factory=list)


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return _("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def audience_before_submit(
    *,
    organisation: Organisation,
    tlp: str,
    members: list,
    users: list,
    anonymous: bool,
    author_name: str,
) -> Audience:
    """What the author is about to share, and with whom — shown next to the Submit button."""
    office = short_name(organisation)
    headline = _audience_headline(tlp, office, members, users)
    if headline is None:
        return Audience(_("Choose who can see the report."))
    details = []
    if tlp in ("green", "clear"):
        details.append(
            _(
                "A network moderator reads it first, to check for personal data and defamation. Until then only your office and the moderators can see it."
            )
        )
    else:
        details.append(
            _("It is shared as soon as you submit it. Network moderators cannot see it.")
        )
        details.append(_("Your office's admins can see in the audit log who opened it."))
    if anonymous:
        details.append(
            _(
                "Outside your office it shows “%(generalised)s” as the reporter, never %(office)s or your name."
            )
            % {"generalised": generalised_reporter(organisation), "office": office}
        )
    elif tlp != "amber-strict":
        details.append(
            _("It shows %(office)s and %(name)s as the reporter.")
            % {"office": organisation.name, "name": author_name}
        )
    return Audience(headline, details)


def _audience_headline(tlp: str, office: str, members: list, users: list) -> str | None:
    if tlp == "red":
        if not users:
            return _("Only you and the admins of your office will see it.")
        people = _join([person_label(u) for u in users])
        return _("Only you, %(people)s and the admins of your office will see it.") % {
            "people": people
        }
    if tlp == "amber-strict":
        return _("Everyone in your office (%(office)s) will see it, and no one else.") % {
            "office": office
        }
    if tlp == "amber":
        if not members:
            return _("Only your office will see it until you name at least one organisation.")
        everyone = _join([_("Your office")] + [short_name(o) for o in members])
        return _("%(everyone)s will see it.") % {"everyone": everyone}
    if tlp == "green":
        return _("Every verified member organisation of the network will see it.")
    if tlp == "clear":
        return _(
            "Everyone will see it: also people who are not signed in, and the open-data export."
        )
    return None


def sharing_sentence(*, actor, case, members: list, users: list, reporter_generalised: bool) -> str:
    """Who can see this report now, said to the person reading it ("your office and Lyon")."""
    own = actor.organisation_id is not None and actor.organisation_id == case.organisation_id
    if case.state == "draft":
        return _("Draft: only you can see it until you submit it.")
    if case.state == "withdrawn":
        return _("Withdrawn: no one outside the reporting office can see it any more.")
    if case.state in ("pending", "returned") and case.tlp in ("green", "clear"):
        if case.state == "pending" and own:
            return _(
                "Waiting for a moderator: only your office and the network's moderators can see it for now."
            )
        if case.state == "pending":
            return _(
                "Waiting for a moderator: only the reporting office and the network's moderators can see it for now."
            )
        return _(
            "Returned by a moderator: only the reporting office can see it until it is submitted again."
        )
    tlp = case.tlp
    if tlp == "red":
        if own and not reporter_generalised:
            author = _("you") if actor.user_id == case.author_id else _("the author")
            names = [author] + [person_label(u) for u in users] + [_("your office's admins")]
            return _join(names)
        return _(
            "the author, the people the author named (you among them) and the admins of the author's office"
        )
    if tlp == "amber-strict":
        return _("only your office") if own else _("only the reporting office")
    if tlp == "amber":
        if own:
            return _join([_("your office")] + [short_name(o) for o in members])
        return _("the reporting office and the organisations it chose, yours among them")
    if tlp == "green":
        return _("every verified member organisation of the network")
    return _("everyone, including the public")


def taxonomy_choices() -> dict[str, list[dict]]:
    """Every list the form offers, with translated labels and one-sentence explanations."""
    names = ("counterpart_kinds", "channels", "case_types", "topics", "response_types")
    return {
        name: [
            {"id": e["id"], "label": _(e["label"]), "help": _(e["help"])}
            for e in taxonomy.entries(name)
        ]
        for name in names
    }


def tlp_options() -> list[dict]:
    """The radio cards: id, the TLP label, and what it means in words."""
    return [
        {"id": tid, "label": label, "explanation": TLP_CHOICES_FOR_AUTHOR[tid]}
        for tid, label in taxonomy.choices("tlp_levels")
    ]
