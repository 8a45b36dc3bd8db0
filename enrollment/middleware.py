"""Request-wide protections: the content security policy and the staff idle timeout.

Add both to settings.MIDDLEWARE: ContentSecurityPolicyMiddleware anywhere (it only adds a
header); IdleSessionTimeoutMiddleware last, after AuthenticationMiddleware, MessageMiddleware and
django_htmx's HtmxMiddleware (it needs request.user, messages and request.htmx).
"""

import time

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

IDLE_TIMEOUT_SECONDS = 30 * 60
LAST_ACTIVITY_KEY = "last_activity"
# Writing the session on every request would cost a database write per click; a minute of
# slack in a 30-minute timeout is harmless.
ACTIVITY_WRITE_INTERVAL_SECONDS = 60


class ContentSecurityPolicyMiddleware:
    """Only our own scripts and styles run: an injected <script> or style attribute does nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


class IdleSessionTimeoutMiddleware:
    """Staff and operators are signed out after 30 idle minutes (shared counter PCs at city hall).

    Families keep the ordinary session length: they fill in long forms at home, and drafts are
    saved anyway.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and (user.is_city_staff or user.is_operator):
            now = time.time()
            last = request.session.get(LAST_ACTIVITY_KEY)
            if last is not None and now - last > IDLE_TIMEOUT_SECONDS:
                return self._expire(request)
            if last is None or now - last >= ACTIVITY_WRITE_INTERVAL_SECONDS:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)

    def _expire(self, request):
        logout(request)
        messages.warning(request, _("You were signed out after 30 minutes without activity. "
                                    "Please sign in again."))
        login_url = reverse("staff_login")
        if getattr(request, "htmx", False):
            from django_htmx.http import HttpResponseClientRedirect

            return HttpResponseClientRedirect(login_url)
        if request.method == "GET":
            return redirect_to_login(request.get_full_path(), login_url)
        # The form that was being sent is lost with the session; coming back to it is no help.
        return redirect(login_url)
