from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesdesk.models import UUIDModel
from salesdesk.tenancy import PartnerScopedQuerySet


class Role(models.TextChoices):
    PARTNER_OWNER = "partner_owner", _("Partner owner")
    PARTNER_STAFF = "partner_staff", _("Partner staff")
    MANAGER = "manager", _("Sales manager")
    CALLER = "caller", _("Caller")
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    HEAD = "head", _("Head of sales")
    QA = "qa", _("Quality assurance")


PARTNER_ROLES = frozenset({Role.PARTNER_OWNER, Role.PARTNER_STAFF})
STAFF_ROLES = frozenset({Role.MANAGER, Role.CALLER, Role.ACCOUNT_MANAGER, Role.HEAD, Role.QA})
# Who works items from the sales queue.
SELLER_ROLES = frozenset({Role.MANAGER, Role.CALLER, Role.ACCOUNT_MANAGER})


def partner_matches_role(name: str) -> models.CheckConstraint:
    """A partner's people (owner, staff) belong to a partner; the service's staff to none. The
    same rule for a user and for an invitation to become one."""
    partner_roles = sorted(r.value for r in PARTNER_ROLES)
    return models.CheckConstraint(
        condition=(
            models.Q(role__in=partner_roles, partner__isnull=False)
            | (models.Q(partner__isnull=True) & ~models.Q(role__in=partner_roles))
        ),
        name=name,
    )


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("role", Role.HEAD)
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username or "")


class User(UUIDModel, AbstractBaseUser, PermissionsMixin):
    """Everyone who logs in: partner people and the sales department's staff.

    A partner role always comes with its partner and a staff role never does — the database
    checks it, so a user can never be half a partner.
    """

    email = models.EmailField(_("email"), max_length=254, unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    is_active = models.BooleanField(_("active"), default=True)
    # False only for a self sign-up whose confirmation link is not opened yet: such a login
    # is refused (web.accounts.forms.LoginForm). Everyone made by a command, the admin or an
    # invitation (whose link proved the address) is confirmed.
    # db_default: rows written by code that predates the column (older migrations' states in
    # the migration tests) are confirmed too.
    email_confirmed = models.BooleanField(_("email confirmed"), default=True, db_default=True)
    is_staff = models.BooleanField(
        _("admin site access"),
        default=False,
        help_text=_("Can log into the Django admin."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # A trainee (issue "team"): takes leads only — cold ones first — never unpaid orders, until
    # the head graduates them. Only a seller may be one (checked by the database).
    is_trainee = models.BooleanField(_("trainee"), default=False, db_default=False)

    objects: ClassVar[UserManager] = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="user_role_valid"
            ),
            partner_matches_role("user_partner_matches_role"),
            models.CheckConstraint(
                condition=models.Q(is_trainee=False)
                | models.Q(role__in=sorted(r.value for r in SELLER_ROLES)),
                name="user_trainee_is_seller",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Credential(UUIDModel):
    """A bearer secret shown once: only its SHA-256 and a visible prefix are kept.

    Keys carry 190+ bits of randomness, so a fast hash is enough (no brute force can walk
    that space) and lookups stay a single indexed equality.
    """

    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}".strip()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiKey(Credential):
    """A partner's key for its storefront: sees that partner's objects, nothing else."""

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="api_keys",
    )
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PartnerScopedQuerySet["ApiKey"].as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]


class PersonalToken(Credential):
    """A staff member's token: the API acts as that user, with that user's role."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="tokens"
    )

    class Meta:
        verbose_name = _("personal token")
        verbose_name_plural = _("personal tokens")
        ordering = ["-created_at"]


class Invitation(UUIDModel):
    """A one-time link that lets someone set their name and password and log in with ``role``
    (and, for a partner role, as a member of ``partner``). Only the secret's SHA-256 is kept.

    Generic over roles: a partner owner invites their team (partner roles), the head of sales
    may invite staff the same way (staff roles, no partner) — the database checks the pair
    like it does for users."""

    email = models.EmailField(_("email"), max_length=254)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
    )
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the head decided for a staff invitation, applied when it is accepted: a trainee
    # flag and a commission rate (percent; empty: the default).
    is_trainee = models.BooleanField(_("trainee"), default=False, db_default=False)
    commission_percent = models.DecimalField(
        _("commission, %"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = PartnerScopedQuerySet["Invitation"].as_manager()

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]),
                name="invitation_role_valid",
            ),
            partner_matches_role("invitation_partner_matches_role"),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="invitation_not_accepted_and_revoked",
            ),
            models.CheckConstraint(
                condition=models.Q(is_trainee=False)
                | models.Q(role__in=sorted(r.value for r in SELLER_ROLES)),
                name="invitation_trainee_is_seller",
            ),
            models.CheckConstraint(
                condition=models.Q(commission_percent__isnull=True)
                | (
                    models.Q(commission_percent__gte=Decimal("0"))
                    & models.Q(commission_percent__lte=Decimal("100"))
                ),
                name="invitation_commission_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.role})"

    def state(self, now: Any = None) -> str:
        if self.accepted_at is not None:
            return self.State.ACCEPTED
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return self.State.EXPIRED
        return self.State.PENDING


class TeamSettings(models.Model):
    """The sales department's team, one row (``id`` 1, checked): how it works and the
    account managers' round-robin turn.

    - ``mode`` ``single``: every seller takes any item and closes it. ``split``: callers take
      new items and hand a qualified buyer over (outcome ``qualified``) to the closers' pool,
      which closers (managers) take first; a won deal's buyer goes to an account manager.
    - ``account_manager_turn``: incremented by one ``UPDATE … RETURNING`` per won deal, so two
      wins at once never read the same turn (accounts.team.account_manager_next_turn).
    - ``qa_sample_size``: touches per seller and day that quality assurance reviews.
    """

    class Mode(models.TextChoices):
        SINGLE = "single", _("One manager does everything")
        SPLIT = "split", _("Caller → closer → account manager")

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    mode = models.CharField(_("team mode"), max_length=8, choices=Mode.choices, default=Mode.SINGLE)
    account_manager_turn = models.BigIntegerField(default=0, editable=False)
    qa_sample_size = models.PositiveSmallIntegerField(
        _("touches reviewed per seller and day"), default=3
    )
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)
    updated_by = models.ForeignKey(
        User,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("team settings")
        verbose_name_plural = _("team settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="team_settings_singleton"),
            models.CheckConstraint(
                condition=models.Q(mode__in=["single", "split"]), name="team_settings_mode_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(qa_sample_size__lte=50), name="team_settings_qa_sample_range"
            ),
        ]

    def __str__(self) -> str:
        return self.mode
