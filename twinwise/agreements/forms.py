"""Forms of the review pages: a document to check (file or pasted text) and how to save it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from twinwise.core import taxonomy

from . import lexicon
from .models import REVIEW_TLP_LEVELS


def language_choices():
    return [("", _("Detect it"))] + [
        (code, language.name) for code, language in sorted(lexicon.languages().items())
    ]


class CheckForm(forms.Form):
    file = forms.FileField(
        label=_("Upload the agreement"),
        required=False,
        help_text=_("PDF (with text), Word (.docx), .txt or .md."),
    )
    text = forms.CharField(
        label=_("Or paste its text"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    lang = forms.ChoiceField(label=_("Language"), required=False, choices=language_choices)

    def clean(self):
        data = super().clean()
        if not data.get("file") and not (data.get("text") or "").strip():
            raise forms.ValidationError(_("Upload a file or paste the text of the agreement."))
        return data


def tlp_choices():
    return [
        (
            level,
            f"{taxonomy.label('tlp_levels', level)} — {taxonomy.help_text('tlp_levels', level)}",
        )
        for level in REVIEW_TLP_LEVELS
    ]


class SaveForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    tlp = forms.ChoiceField(
        label=_("Who may see the saved review?"),
        choices=tlp_choices,
        initial="amber-strict",
        widget=forms.RadioSelect,
    )
    partnership = forms.TypedChoiceField(
        label=_("Attach it to a partnership (optional)"),
        required=False,
        coerce=int,
        empty_value=None,
    )
    text = forms.CharField(widget=forms.HiddenInput)
    name = forms.CharField(widget=forms.HiddenInput, required=False)
    lang = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, partnerships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"].choices = [("", _("No partnership"))] + [
            (p.pk, str(p)) for p in partnerships
        ]
