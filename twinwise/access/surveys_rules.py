"""Rules for surveys: the questionnaires, campaigns, responses and the capacity benchmark.

Coordinators are the network's moderators and its operators (ADR 0013): they build surveys,
open and close campaigns, send reminders and see who took part. Member organisations answer
the campaigns opened to them (an officer drafts, an admin submits) and read the results.
Everything here needs a member signed in with two factors, like every member content.

Anonymity (ADR 0014) is enforced by which responses each actor may *view*: identified
campaigns show each organisation's answers to the members who read the results; campaigns
anonymous to peers show them to coordinators only; fully anonymous submitted responses have
no organisation and are visible to no one one by one — they are only ever counted.
"""

from django.db.models import Q

from .actors import Actor
from .policy import model_rule, rule

NOTHING = Q(pk__in=[])
OPEN = "open"
SUBMITTED = "submitted"


def is_coordinator(actor: Actor) -> bool:
    """Network coordinators: moderators (signed in with two factors) and operators."""
    return actor.is_staff or (actor.is_moderator and actor.user_id is not None)


def _campaigns_of_members(actor: Actor) -> Q:
    """The campaigns opened to the actor's organisation (all verified members, or named)."""
    from twinwise.surveys.models import CampaignOrganisation

    named = CampaignOrganisation.objects.filter(organisation_id=actor.organisation_id).values(
        "campaign_id"
    )
    q = Q(all_organisations=False, pk__in=named)
    if actor.organisation_verified:
        q |= Q(all_organisations=True)
    return q


def _campaign_ids(q: Q):
    from twinwise.surveys.models import Campaign

    return Campaign.objects.filter(q).values("pk")


@rule("surveys.survey", "view")
def survey_view(actor: Actor) -> Q:
    """Coordinators and member organisations (two factors) read the questionnaires."""
    if is_coordinator(actor) or actor.organisation_id is not None:
        return Q()
    return NOTHING


@rule("surveys.survey", "edit")
def survey_edit(actor: Actor) -> Q:
    """Coordinators change questionnaires that are not built in and were never opened."""
    if not is_coordinator(actor):
        return NOTHING
    return Q(builtin=False) & ~Q(pk__in=_used_surveys())


def _used_surveys():
    from twinwise.surveys.models import Campaign

    return Campaign.objects.values("survey_id")


@model_rule("surveys.survey", "create")
def survey_create(actor: Actor) -> bool:
    """Coordinators build new questionnaires."""
    return is_coordinator(actor)


@model_rule("surveys.campaign", "create")
def campaign_create(actor: Actor) -> bool:
    """Coordinators open campaigns."""
    return is_coordinator(actor)


@rule("surveys.campaign", "view")
def campaign_view(actor: Actor) -> Q:
    """Coordinators see every campaign; members the campaigns opened to their organisation."""
    if is_coordinator(actor):
        return Q()
    if actor.organisation_id is None:
        return NOTHING
    return _campaigns_of_members(actor)


@rule("surveys.campaign", "manage")
def campaign_manage(actor: Actor) -> Q:
    """Coordinators close campaigns, send reminders and see who took part."""
    return Q() if is_coordinator(actor) else NOTHING


@rule("surveys.campaign", "answer")
def campaign_answer(actor: Actor) -> Q:
    """Members of the organisations a campaign was opened to answer it while it is open."""
    if actor.organisation_id is None or actor.user_id is None:
        return NOTHING
    return _campaigns_of_members(actor) & Q(state=OPEN)


@rule("surveys.campaign", "results")
def campaign_results(actor: Actor) -> Q:
    """Coordinators and the organisations a campaign was opened to read its results."""
    return campaign_view(actor)


@rule("surveys.response", "view")
def response_view(actor: Actor) -> Q:
    """An organisation sees its own response; who answered what depends on the anonymity mode."""
    q = NOTHING
    if actor.organisation_id is not None:
        q |= Q(organisation_id=actor.organisation_id)
        q |= Q(
            state=SUBMITTED,
            campaign__anonymity="identified",
            campaign__in=_campaign_ids(_campaigns_of_members(actor)),
        )
    if is_coordinator(actor):
        q |= Q(state=SUBMITTED, organisation__isnull=False)
    return q


@rule("surveys.response", "edit")
def response_edit(actor: Actor) -> Q:
    """Officers edit their organisation's draft; admins also its submitted response, until closing."""
    if actor.organisation_id is None or actor.user_id is None:
        return NOTHING
    q = Q(organisation_id=actor.organisation_id, campaign__state=OPEN)
    if actor.is_org_admin:
        return q
    return q & Q(state="draft")


@rule("surveys.response", "submit")
def response_submit(actor: Actor) -> Q:
    """An organisation's admins submit its response while the campaign is open."""
    if not actor.is_org_admin:
        return NOTHING
    return Q(organisation_id=actor.organisation_id, campaign__state=OPEN)


@rule("surveys.response", "tally")
def response_tally(actor: Actor) -> Q:
    """Submitted responses count in the results of the campaigns the actor may read."""
    return Q(state=SUBMITTED, campaign__in=_campaign_ids(campaign_results(actor)))


@rule("surveys.participation", "view")
def participation_view(actor: Actor) -> Q:
    """Coordinators see which organisations took part (for reminders); members their own."""
    if is_coordinator(actor):
        return Q()
    if actor.organisation_id is None:
        return NOTHING
    return Q(organisation_id=actor.organisation_id)


@rule("surveys.counterpartstaffing", "view")
def counterpart_staffing_view(actor: Actor) -> Q:
    """What members know of Chinese Foreign Affairs Offices is for members and coordinators."""
    if is_coordinator(actor) or actor.organisation_id is not None:
        return Q()
    return NOTHING


@model_rule("surveys.counterpartstaffing", "create")
def counterpart_staffing_create(actor: Actor) -> bool:
    """Members and coordinators record a counterpart office's staffing, with its source."""
    return (actor.organisation_id is not None and actor.user_id is not None) or is_coordinator(
        actor
    )
