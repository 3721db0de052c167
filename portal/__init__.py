"""Where people come in: one login page on every host, the landing of each person where they
work (staff in the Wagtail admin, officials in their space), the officials' space on their
commune's host (`/espace-elus/`), and the syndicate admins' first access."""
