"""Private file storage: files the shop keeps for its own work and never serves.

``private_storage`` writes under ``settings.PRIVATE_MEDIA_ROOT``, a directory outside
``MEDIA_ROOT`` (which nginx serves at ``/media/``), and has no URL: ``url()`` raises
``ValueError``. Used for sellers' bulk-import uploads (the CSV and the original photo ZIP, with
their EXIF/GPS), which are deleted once the import finishes.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible(path="core.storage.PrivateFileStorage")
class PrivateFileStorage(FileSystemStorage):
    """A ``FileSystemStorage`` rooted at ``settings.PRIVATE_MEDIA_ROOT`` (read on every use, so
    tests may change it) with no public URL."""

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        """Never: these files are not published. Raises ``ValueError``."""
        raise ValueError("Private files have no URL.")


private_storage = PrivateFileStorage()
