"""The built-in directors' poll, modelled on the German Marshall Fund's poll of city directors
of international affairs (2021). Options of `motivations` and `incidents` are the ids of the
partnership-domain and case-type taxonomies (TAXONOMY.md), so answers line up with the
registry and the exchange.

`install(models)` creates or completes the survey; it takes the model classes as arguments
so the data migration can pass its historical models.
"""

from twinwise.core import taxonomy

DIRECTORS_POLL = "directors-poll"

YES_NO = (("yes", "Yes"), ("no", "No"))
RELATIONSHIP = (("poor", "Poor"), ("fair", "Fair"), ("good", "Good"), ("excellent", "Excellent"))


def _taxonomy_options(name: str) -> tuple[tuple[str, str], ...]:
    return tuple((entry["id"], entry["label"]) for entry in taxonomy.entries(name))


def definition() -> dict:
    """The directors' poll as data: sections, questions and options, in order."""
    return {
        "slug": DIRECTORS_POLL,
        "title": "Directors' poll",
        "description": (
            "The yearly poll of the network's directors of international affairs: why the city "
            "works with Chinese cities, how it judges the relationship, what happened this "
            "year and how many people the office has."
        ),
        "sections": [
            {
                "key": "ties",
                "title": "Your ties with Chinese cities",
                "questions": [
                    {
                        "key": "motivations",
                        "kind": "multiple",
                        "text": "Why does your city work with Chinese cities?",
                        "help_text": "Choose every reason that applies.",
                        "required": True,
                        "options": _taxonomy_options("partnership_domains"),
                    },
                    {
                        "key": "relationship",
                        "kind": "single",
                        "text": "How would you describe your city's relationship with its Chinese partners?",
                        "help_text": "Think of partner cities, companies, consulates and embassies together.",
                        "required": True,
                        "options": RELATIONSHIP,
                    },
                    {
                        "key": "outlook",
                        "kind": "scale",
                        "text": "How do you expect the relationship to develop over the next year?",
                        "help_text": "1 means much worse, 5 much better.",
                        "min_value": 1,
                        "max_value": 5,
                        "scale_labels": {"min": "Much worse", "max": "Much better"},
                    },
                    {
                        "key": "incidents",
                        "kind": "multiple",
                        "text": "What did Chinese counterparts ask or do this year?",
                        "help_text": "Choose every kind of event your office dealt with; leave empty if none.",
                        "options": _taxonomy_options("case_types"),
                    },
                    {
                        "key": "main_partner_city",
                        "kind": "city",
                        "text": "Which Chinese city is your most active partner?",
                        "help_text": "Type the city's name, in English or Chinese.",
                    },
                ],
            },
            {
                "key": "capacity",
                "title": "Your office",
                "questions": [
                    {
                        "key": "has_international_office",
                        "kind": "single",
                        "text": "Does your city have an international office?",
                        "required": True,
                        "options": YES_NO,
                    },
                    {
                        "key": "international_staff_fte",
                        "kind": "number",
                        "text": "How many people work on international affairs, in full-time equivalents?",
                        "help_text": "Count part-time staff by their share of a full week, e.g. 2.5.",
                        "required": True,
                        "min_value": 0,
                        "max_value": 1000,
                    },
                    {
                        "key": "comments",
                        "kind": "text",
                        "text": "Anything else the network should know?",
                    },
                ],
            },
        ],
    }


def install(survey_model, section_model, question_model, option_model) -> None:
    """Create the built-in survey, or add what is missing; existing answers are untouched."""
    spec = definition()
    survey, _ = survey_model.objects.get_or_create(
        slug=spec["slug"],
        defaults={"title": spec["title"], "description": spec["description"], "builtin": True},
    )
    for s_pos, s_spec in enumerate(spec["sections"]):
        section, _ = section_model.objects.get_or_create(
            survey=survey,
            key=s_spec["key"],
            defaults={"title": s_spec["title"], "position": s_pos},
        )
        for q_pos, q_spec in enumerate(s_spec["questions"]):
            question, _ = question_model.objects.get_or_create(
                survey=survey,
                key=q_spec["key"],
                defaults={
                    "section": section,
                    "position": q_pos,
                    "kind": q_spec["kind"],
                    "text": q_spec["text"],
                    "help_text": q_spec.get("help_text", ""),
                    "required": q_spec.get("required", False),
                    "min_value": q_spec.get("min_value"),
                    "max_value": q_spec.get("max_value"),
                    "scale_labels": q_spec.get("scale_labels", {}),
                },
            )
            for o_pos, (value, label) in enumerate(q_spec.get("options", ())):
                option_model.objects.get_or_create(
                    question=question, value=value, defaults={"label": label, "position": o_pos}
                )


def install_current() -> None:
    """`install()` with today's models: the demo and tests call it, so the built-in survey is
    back even after a database flush removed what the migration created."""
    from .models import Option, Question, Section, Survey

    install(Survey, Section, Question, Option)
