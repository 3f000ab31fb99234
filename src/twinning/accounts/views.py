"""Sign-in, password change and personal API tokens."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from twinning.accounts import queries, services
from twinning.accounts.forms import TokenForm
from twinning.core.forms import submit


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("tokens")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.record_password_change(actor=self.request.user)  # type: ignore[arg-type]
        messages.success(self.request, _("密码已修改。"))
        return response


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """List the user's API tokens and create a new one (its secret is shown once, here)."""
    user: Any = request.user
    form = TokenForm(request.POST or None)
    issued = submit(
        request, form, lambda data: services.create_token(actor=user, name=data["name"])
    )
    context = {
        "form": TokenForm() if issued else form,
        "tokens": queries.list_tokens_for(user),
        "issued": issued,
    }
    return render(request, "accounts/tokens.html", context)


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    services.revoke_token(actor=request.user, token_id=token_id)  # type: ignore[arg-type]
    messages.success(request, _("令牌已吊销。"))
    return redirect("tokens")
