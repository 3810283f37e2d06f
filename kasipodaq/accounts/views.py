"""Staff sign-in: the password, the second-factor code or its set-up, sign-out."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import LogoutView
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView

from kasipodaq.core.refusals import add_refusal

from . import second_factor, sign_in
from .errors import CodeRefused, SignInRefused
from .forms import CodeForm, SignInForm


def _start_over(request: HttpRequest, refusal: SignInRefused) -> HttpResponse:
    messages.error(request, str(refusal.message))
    return redirect("accounts:sign-in")


@method_decorator([sensitive_post_parameters("password"), never_cache], name="dispatch")
class SignInView(FormView):
    """The password step. It signs in only accounts that need no second factor."""

    template_name = "accounts/sign_in.html"
    form_class = SignInForm

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        self.next_url = sign_in.safe_next_url(
            request, request.POST.get("next") or request.GET.get("next")
        )
        if request.user.is_authenticated:
            return redirect(sign_in.landing_url(self.next_url))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            next=self.next_url,
            attempts=settings.KASIPODAQ_LOCKOUT_ATTEMPTS,
            minutes=settings.KASIPODAQ_LOCKOUT_MINUTES,
            **kwargs,
        )

    def form_valid(self, form: SignInForm) -> HttpResponse:
        try:
            step = sign_in.begin(
                self.request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                next_url=self.next_url,
            )
        except SignInRefused as exc:
            add_refusal(form, exc)
            return self.form_invalid(form)
        if step is sign_in.Step.CODE:
            return redirect("accounts:second-factor")
        if step is sign_in.Step.SETUP:
            return redirect("accounts:second-factor-setup")
        return redirect(sign_in.landing_url(self.next_url))


@method_decorator([sensitive_post_parameters("code"), never_cache], name="dispatch")
class SecondFactorView(FormView):
    """The code step of a pending sign-in."""

    template_name = "accounts/second_factor.html"
    form_class = CodeForm

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        try:
            waiting = sign_in.pending(request, within=sign_in.CODE_WITHIN)
        except SignInRefused as exc:
            return _start_over(request, exc)
        if not waiting.user.has_second_factor:
            return redirect("accounts:second-factor-setup")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: CodeForm) -> HttpResponse:
        try:
            next_url = sign_in.finish_with_code(
                self.request, code=form.cleaned_data["code"]
            )
        except SignInRefused as exc:
            return _start_over(self.request, exc)
        except CodeRefused as exc:
            add_refusal(form, exc)
            return self.form_invalid(form)
        return redirect(next_url)


@method_decorator([sensitive_post_parameters("code"), never_cache], name="dispatch")
class SecondFactorSetupView(FormView):
    """Setting up a second factor before a pending sign-in may finish.

    The secret is offered as a QR code and as text; it is stored on the account only
    once a code from it is entered.
    """

    template_name = "accounts/second_factor_setup.html"
    form_class = CodeForm

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        try:
            self.waiting = sign_in.pending(request, within=sign_in.SETUP_WITHIN)
        except SignInRefused as exc:
            return _start_over(request, exc)
        if self.waiting.user.has_second_factor:
            return redirect("accounts:second-factor")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        secret = sign_in.offered_secret(self.request)
        uri = second_factor.provisioning_uri(self.waiting.user, secret)
        return super().get_context_data(
            qr_svg=second_factor.qr_svg(
                uri, title=_("QR code for your authenticator app")
            ),
            secret=second_factor.grouped(secret),
            **kwargs,
        )

    def form_valid(self, form: CodeForm) -> HttpResponse:
        try:
            next_url = sign_in.finish_with_setup(
                self.request, code=form.cleaned_data["code"]
            )
        except SignInRefused as exc:
            return _start_over(self.request, exc)
        except CodeRefused as exc:
            add_refusal(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Your second factor is set up."))
        return redirect(next_url)


class SignOutView(LogoutView):
    """Sign out; POST only (a GET answers 405), so no link can sign anyone out."""
