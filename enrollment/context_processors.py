from django.conf import settings


def roles(request):
    """Who is logged in and in which role, for the header of every page."""
    user = getattr(request, "user", None)
    role = user.role if user is not None and user.is_authenticated else None
    return {"city_name": settings.CITY_NAME, "current_role": role}
