"""Forms of the account pages. They check the shape of input; the services decide."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import User

ROLE_CHOICES = [
    (User.Role.OFFICER, _("Officer — files and reads experience reports for the organisation")),
    (User.Role.ADMIN, _("Admin — also invites colleagues, changes roles and deactivates accounts")),
]


def _text(css: str = "input", **attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"class": css, **attrs})


class SignInForm(AuthenticationForm):
    """Username or email address, and password. Lockouts are django-axes' (by username)."""

    username = forms.CharField(
        label=_("Username or email address"),
        max_length=254,
        widget=_text(
            autofocus=True, autocomplete="username", autocapitalize="none", spellcheck="false"
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"class": "input", "autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _(
            "The username or email address and password do not match an account. Check them "
            "and try again; passwords are case-sensitive."
        ),
        "inactive": _("This account has been deactivated. Ask an admin of your organisation."),
    }

    def clean_username(self) -> str:
        """An email address becomes the username it belongs to (when exactly one account has it),
        so throttling counts failures per account whichever the person typed."""
        value = self.cleaned_data["username"].strip()
        if "@" in value:
            matches = list(
                User.objects.filter(email__iexact=value).values_list("username", flat=True)[:2]
            )
            if len(matches) == 1:
                return matches[0]
        return value


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=_text(
            autocomplete="one-time-code",
            inputmode="numeric",
            autocapitalize="none",
            spellcheck="false",
        ),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split())


class SetupCodeForm(CodeForm):
    code = forms.RegexField(
        regex=r"^\s*\d{3}\s*\d{3}\s*$",
        label=_("The 6-digit code from the app"),
        help_text=_("It changes every 30 seconds. Type the one the app shows now."),
        error_messages={"invalid": _("Enter the 6 digits the app shows, such as 123456.")},
        widget=_text(
            "input input--code",
            autocomplete="one-time-code",
            inputmode="numeric",
            pattern=r"[0-9 ]*",
        ),
    )


class VerifyCodeForm(CodeForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_(
            "The 6-digit code from your authenticator app, or one of your recovery codes "
            "if you do not have your phone."
        ),
        widget=_text(
            "input input--code",
            autocomplete="one-time-code",
            autocapitalize="none",
            spellcheck="false",
        ),
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_(
            "What the token is for, so you recognise it later, such as “Case export script”."
        ),
        widget=_text(autocomplete="off"),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("Your colleague's work email. The invitation link is sent there."),
        widget=forms.EmailInput(
            attrs={"class": "input", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=ROLE_CHOICES,
        initial=User.Role.OFFICER,
        widget=forms.RadioSelect,
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, widget=forms.RadioSelect)


class AcceptInvitationForm(forms.Form):
    """A new account for an invited person: a username and a strong password, twice."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_(
            "You sign in with it (or with your email address). Letters, digits and @ . + - _ only."
        ),
        widget=_text(autocomplete="username", autocapitalize="none", spellcheck="false"),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_(
            "At least 12 characters. A few unrelated words make a strong password that is easy "
            "to remember. Do not use a password you use elsewhere."
        ),
        widget=forms.PasswordInput(attrs={"class": "input", "autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        help_text=_("Type it once more, to be sure there is no typing mistake."),
        widget=forms.PasswordInput(attrs={"class": "input", "autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken. Choose another one."))
        return username

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        elif first:
            user = User(username=data.get("username", ""), email=self.email)
            try:
                password_validation.validate_password(first, user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
