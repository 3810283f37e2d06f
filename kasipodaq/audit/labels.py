"""The models whose fields name the keys of audit events, for reading the trail.

An event's before/after hold field names and raw values; the trail shows them with
the field's verbose name and choice labels. Each app that audits its own models
adds them here (in its AppConfig.ready), so the trail reads them without
importing the app.
"""

from __future__ import annotations

from django.db import models

_models: list[type[models.Model]] = []


def label_with(*labelled: type[models.Model]) -> None:
    _models.extend(model for model in labelled if model not in _models)


def labelled_models() -> tuple[type[models.Model], ...]:
    return tuple(_models)
