from __future__ import annotations

import numpy as np
from django.db import models

from catalog.models import Category, Product, ProductImage

from .fields import EmbeddingField

EMBEDDING_DIMENSIONS = 512


class ImageEmbedding(models.Model):
    """The VGG16 embedding of one product image under one model version.

    ``vector`` is float32 (512,), L2-normalised, so cosine similarity = dot product =
    1 - cosine distance. ``product`` is denormalised from the image so searches can filter
    by product without a join through images. On PostgreSQL an HNSW index
    (``vector_cosine_ops``) serves nearest-neighbour queries.
    """

    product_image = models.ForeignKey(ProductImage, on_delete=models.CASCADE, related_name="embeddings")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="embeddings")
    model_version = models.CharField(max_length=64, db_index=True)
    vector = EmbeddingField(dimensions=EMBEDDING_DIMENSIONS)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product_image", "model_version"], name="one_embedding_per_image_version"),
        ]

    def __str__(self) -> str:
        return f"{self.product_image} [{self.model_version}]"


class CategoryClassifier(models.Model):
    """A softmax (multinomial logistic regression) classifier over image embeddings that
    predicts a product's category; trained by ``manage.py train_category_classifier``.

    Its parameters live in the database so every web process and worker uses the same one:
    ``weights`` float32 (n_classes, d_in) and ``bias`` float32 (n_classes,), little-endian
    bytes; ``category_ids`` gives the class order. Only the newest active one per embedding model
    version is used.
    """

    model_version = models.CharField(max_length=64, db_index=True)
    category_ids = models.JSONField()
    weights = models.BinaryField()
    bias = models.BinaryField()
    n_features = models.PositiveIntegerField(default=EMBEDDING_DIMENSIONS)
    train_size = models.PositiveIntegerField()
    test_size = models.PositiveIntegerField()
    held_out_accuracy = models.FloatField(help_text="Accuracy on held-out catalog images (0-1).")
    temperature = models.FloatField(
        default=1.0, help_text="Softmax temperature fitted on held-out customer-style views (calibration)."
    )
    metrics = models.JSONField(
        default=dict,
        blank=True,
        help_text="Held-out figures: customer-style views accuracy, expected calibration error (before/after), sizes.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Classifier {self.pk} ({self.model_version}, accuracy {self.held_out_accuracy:.3f})"

    def weight_matrix(self) -> np.ndarray:
        n_classes = len(self.category_ids)
        return np.frombuffer(bytes(self.weights), dtype="<f4").reshape(n_classes, -1)

    def bias_vector(self) -> np.ndarray:
        return np.frombuffer(bytes(self.bias), dtype="<f4")

    def predict_proba(self, vectors: np.ndarray) -> np.ndarray:
        """float32 (n, 512) embeddings -> float64 (n, n_classes) calibrated probabilities
        (softmax of ``(W x + b) / temperature``), columns in ``category_ids`` order."""
        logits = (np.asarray(vectors, dtype=np.float64) @ self.weight_matrix().T + self.bias_vector()) / max(
            self.temperature, 1e-6
        )
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def categories(self) -> list[Category]:
        by_id = Category.objects.in_bulk(self.category_ids)
        return [by_id[i] for i in self.category_ids if i in by_id]
