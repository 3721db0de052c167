"""The member's dashboard on the Wagtail admin's home."""

from wagtail import hooks

from .panels import panels_for


@hooks.register("construct_homepage_panels")
def member_dashboard(request, panels) -> None:
    panels.extend(panels_for(request))
