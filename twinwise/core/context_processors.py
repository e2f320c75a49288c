from django.conf import settings


def site(request):
    """Values every page needs: the site name and whether this is an htmx request."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "is_htmx": request.headers.get("HX-Request") == "true",
    }
