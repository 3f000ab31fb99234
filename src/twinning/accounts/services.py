"""Writing accounts: users, organisations and personal API tokens."""

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from twinning.accounts.models import ApiToken, Organisation, Role, User
from twinning.core import audit
from twinning.core.errors import Conflict, Invalid, NotFound

TOKEN_PREFIX = "tw_"  # noqa: S105 - a marker, not a secret
# Writing last_used_at on every request would turn reads into writes; once a minute is enough.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_organisation(
    *, actor: User | None, name: str, kind: str, region_code: str | None = None
) -> Organisation:
    """Create an organisation, or return the existing one with that name unchanged."""
    existing = Organisation.objects.filter(name=name).first()
    if existing is not None:
        return existing
    organisation = Organisation(name=name, kind=kind, region_id=region_code)
    try:
        organisation.full_clean()
    except ValidationError as exc:
        raise Invalid(_("组织信息有误。"), fields=exc.message_dict) from exc
    organisation.save()
    audit.record(actor=actor, action="create", target=organisation)
    return organisation


@transaction.atomic
def create_user(
    *,
    actor: User | None,
    username: str,
    password: str,
    role: str,
    organisation: Organisation | None,
    full_name: str = "",
    email: str = "",
    check_password: bool = True,
) -> User:
    """Create a user with a role in an organisation."""
    if User.objects.filter(username=username).exists():
        raise Conflict(_("用户名 %(name)s 已存在。") % {"name": username}, code="duplicate_user")
    if role not in Role.values:
        raise Invalid(
            _("角色“%(role)s”无效。") % {"role": role}, fields={"role": [_("无效的角色。")]}
        )
    if role != Role.ADMIN and organisation is None:
        raise Invalid(_("除平台管理员外，用户必须属于一个组织。"), code="organisation_required")
    user = User(
        username=username,
        role=role,
        organisation=organisation,
        full_name=full_name,
        email=email,
        is_staff=role == Role.ADMIN,
    )
    if check_password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise Invalid(" ".join(exc.messages), fields={"password": exc.messages}) from exc
    user.set_password(password)
    user.save()
    audit.record(
        actor=actor,
        action="create",
        target=user,
        changes=audit.diff({}, audit.snapshot(user, ["username", "role", "organisation"])),
    )
    return user


@transaction.atomic
def record_password_change(*, actor: User) -> None:
    """Note in the audit trail that a user changed their password (never the password itself)."""
    audit.record(actor=actor, action="update", target=actor, note=gettext_noop("修改了密码"))


@transaction.atomic
def create_token(*, actor: User, name: str) -> IssuedToken:
    """Issue a personal API token; the secret is shown once and only its hash is kept."""
    name = name.strip()
    if not name:
        raise Invalid(_("请填写令牌名称。"), fields={"name": [_("此项为必填项。")]})
    if len(name) > 100:
        raise Invalid(_("令牌名称过长。"), fields={"name": [_("最多 100 个字符。")]})
    body = secrets.token_urlsafe(32)
    secret = f"{TOKEN_PREFIX}{body}"
    token = ApiToken.objects.create(
        user=actor, name=name, prefix=body[:10], secret_hash=_hash(secret)
    )
    audit.record(actor=actor, action="create", target=token)
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def revoke_token(*, actor: User, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens (administrators may revoke anyone's)."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None or (token.user_id != actor.pk and not actor.is_platform_admin):
        raise NotFound(_("令牌不存在。"))
    if token.revoked_at is not None:
        raise Conflict(_("令牌已被吊销。"), code="already_revoked")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action="archive", target=token, note=gettext_noop("吊销令牌"))
    return token


def authenticate_token(secret: str) -> User | None:
    """The active user a bearer token belongs to, or None for an unknown or revoked token."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    prefix = secret[len(TOKEN_PREFIX) : len(TOKEN_PREFIX) + 10]
    token = (
        ApiToken.objects.select_related("user__organisation__region").filter(prefix=prefix).first()
    )
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(secret)):
        return None
    if token.revoked_at is not None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
