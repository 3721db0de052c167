"""The Wagtail admin's share of the portal: rich text fields named for assistive technology,
and the syndicate admins' entry to the registry and the provisioning runs."""

from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem


@hooks.register("insert_editor_js")
def name_rich_text_editors():
    return format_html('<script src="{}"></script>', static("portal/admin-names.js"))


class SuperuserMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser


@hooks.register("register_admin_menu_item")
def syndicate_menu_item():
    return SuperuserMenuItem(_("Syndicat"), "/django-admin/provisioning/",
                             icon_name="site", order=9000)
