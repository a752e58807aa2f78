from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.template import loader
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from notifications.models import Notification
from notifications.services import notify
from salesdesk.text import validate_single_line


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "email_unconfirmed": _(
            "Confirm your email address: open the link we sent you after signing up."
        ),
    }

    def confirm_login_allowed(self, user: Any) -> None:
        # Reached only with the right password, so it tells nothing to someone who guesses.
        super().confirm_login_allowed(user)
        if not getattr(user, "email_confirmed", True):
            raise ValidationError(
                self.error_messages["email_unconfirmed"], code="email_unconfirmed"
            )

    @property
    def email_unconfirmed(self) -> bool:
        return any(e.code == "email_unconfirmed" for e in self.non_field_errors().as_data())


class PasswordFields(forms.Form):
    """A new password typed twice, checked against ``AUTH_PASSWORD_VALIDATORS`` (their
    messages in Russian) for a user with this form's ``email`` and ``full_name``."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def password_user(self) -> User:
        email = str(self.cleaned_data.get("email") or getattr(self, "email", ""))
        return User(email=email, full_name=str(self.cleaned_data.get("full_name") or ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords do not match."))
        elif password1:
            try:
                password_validation.validate_password(password1, user=self.password_user())
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class SignUpForm(PasswordFields):
    company = forms.CharField(
        label=_("Company name"),
        max_length=200,
        validators=[validate_single_line],
        help_text=_("Your school or store, as your buyers know it."),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "organization"}),
    )
    full_name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # A honeypot: hidden from people, filled by naive bots (the sign-up then pretends).
    website = forms.CharField(required=False, label=_("Website"))

    field_order = ["company", "full_name", "email", "password1", "password2", "website"]

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class InvitationAcceptForm(PasswordFields):
    full_name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "name"}),
    )

    field_order = ["full_name", "password1", "password2"]

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        self.email = email
        super().__init__(*args, **kwargs)


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Colleague's email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's password reset, its letter written to the notifications outbox instead of
    sent in the request: the page answers at once whether the mail server is slow or down,
    and the worker delivers (with retries) after the request's transaction commits."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        text = loader.render_to_string(email_template_name, context)
        html = (
            loader.render_to_string(html_email_template_name, context)
            if html_email_template_name
            else ""
        )
        user = context["user"]
        # One letter per link: the key names the token, so a repeated save cannot send twice.
        notify(
            key=f"password_reset:{user.pk}:{context['token']}",
            kind=Notification.Kind.PASSWORD_RESET,
            recipient=to_email,
            subject=subject,
            text=text,
            html=html,
            user=user,
        )
