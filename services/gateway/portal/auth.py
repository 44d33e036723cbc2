"""Signing in and out, registering an enterprise, changing a password, the front door."""
from nameko.dependency_providers import Config
from nameko.rpc import RpcProxy

from services.gateway.portal import session
from services.gateway.portal.entrypoint import page, redirect, render, safe_next
from services.gateway.portal.forms import Form, form_values
from services.gateway.portal.nav import home_for, home_for_role
from services.gateway.portal.options import choices
from shared.errors import Conflict, NotAuthenticated, TooManyAttempts, ValidationFailed
from shared.http import client_address, trusted_proxies


def signed_in(request, token, target):
    """Redirect to ``target`` with the new session cookie (and the anonymous one gone)."""
    response = redirect(target)
    session.set_cookie(response, request, session.SESSION_COOKIE, token)
    session.clear_cookie(response, request, session.ANON_COOKIE)
    request.portal.new_anon_key = None
    return response


class AuthPages:
    accounts = RpcProxy("accounts")
    config = Config()

    def _login(self, request, username, password):
        return self.accounts.login({
            "username": username, "password": password,
            "client_address": client_address(request, trusted_proxies(self.config)),
        })

    @page("GET", "/", public=True)
    def front_door(self, request):
        return redirect(home_for(request.portal.identity))

    @page("GET", "/login", public=True)
    def login_form(self, request):
        if request.portal.identity:
            return redirect(home_for(request.portal.identity))
        return render(request, "portal/login.html", form=Form(), next=safe_next(request.args.get("next"), ""))

    @page("POST", "/login", public=True)
    def login_submit(self, request):
        values = form_values(request)
        target = safe_next(values.get("next"), "")
        try:
            result = self._login(request, values.get("username", ""), request.form.get("password", ""))
        except (NotAuthenticated, TooManyAttempts, ValidationFailed) as error:
            return render(request, "portal/login.html", status=error.http_status,
                          form=Form(values, error), next=target)
        return signed_in(request, result["token"], target or home_for_role(result["user"]["role"]))

    @page("POST", "/logout", public=True, csrf="signed-in")  # an expired session can still leave
    def logout(self, request):
        response = redirect("/login")
        session.clear_cookie(response, request, session.SESSION_COOKIE)
        return response

    @page("GET", "/register", public=True)
    def register_form(self, request):
        return render(request, "portal/register.html", form=Form(), **choices(request.portal.locale))

    @page("POST", "/register", public=True)
    def register_submit(self, request):
        values = form_values(request)
        try:
            created = self.accounts.register_enterprise(values)
        except (ValidationFailed, Conflict) as error:
            return render(request, "portal/register.html", status=error.http_status,
                          form=Form(values, error), **choices(request.portal.locale))
        result = self._login(request, created["user"]["username"], values["password"])
        return signed_in(request, result["token"], "/enterprise")

    @page("GET", "/account/password")
    def password_form(self, request):
        return render(request, "portal/password.html", form=Form(), changed=False)

    @page("POST", "/account/password")
    def password_submit(self, request):
        values = form_values(request)
        try:
            self.accounts.change_password(values)
        except ValidationFailed as error:
            return render(request, "portal/password.html", status=400, form=Form(values, error), changed=False)
        return render(request, "portal/password.html", form=Form(), changed=True)

