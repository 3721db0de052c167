"""The Nextcloud driver and CalDAV agendas (the emulator the tests use is in tests/doubles/).

The apps reach Nextcloud through these functions only (see `services`):
`publish_files(member_code, folder_slug, files)`, `remove_files(member_code, folder_slug,
names)` and `create_public_link(member_code, path, password, expires)`.
"""

from .services import create_public_link, publish_files, remove_files

__all__ = ["create_public_link", "publish_files", "remove_files"]
