"""The Nextcloud driver, CalDAV agendas, and the Nextcloud emulator used by the tests."""
