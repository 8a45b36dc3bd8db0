"""Sign a staff member or operator in as if they had also entered their TOTP code.

Other areas' tests run with REQUIRE_2FA off (tests/pytest_env.py), so ``client.force_login`` is
enough there; tests that run with two-factor on (tests/security, or any test that sets
``settings.REQUIRE_2FA = True``) use ``verified_login`` instead.
"""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_device(user, *, confirmed: bool = True) -> TOTPDevice:
    """The user's authenticator, created if missing."""
    device = TOTPDevice.objects.filter(user=user, confirmed=confirmed).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=confirmed)


def current_code(device: TOTPDevice) -> str:
    """The six digits the person's phone would show now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def verified_login(client, user) -> TOTPDevice:
    """``client.force_login(user)`` plus a confirmed TOTP device recorded in the session."""
    device = totp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
