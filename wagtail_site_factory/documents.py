"""The Wagtail document form of the members' sites: the upload policy applies to documents too.

Documents are public once published (acts, minutes, forms to download), so a PDF must carry no
active content, and no file may pass the size limit. Other types are served as attachments by
Wagtail's serve view (settings: WAGTAILDOCS_SERVE_METHOD, WAGTAILDOCS_INLINE_CONTENT_TYPES).
"""

from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from wagtail.documents.forms import BaseDocumentForm

from mutualis import uploads


class DocumentForm(BaseDocumentForm):
    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if isinstance(upload, UploadedFile):  # a new file, not the one already stored
            uploads.check_size(upload)
            if Path(upload.name).suffix.lower() == ".pdf":
                uploads.read_checked(upload, frozenset({uploads.PDF}))
        return upload
