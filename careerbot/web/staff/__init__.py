"""Staff console: a Sanic blueprint mounted at /staff in the project's web app."""
from careerbot.web.staff import admin  # noqa: F401  (registers the admin pages on the blueprint)
from careerbot.web.staff.views import blueprint

__all__ = ["blueprint"]
