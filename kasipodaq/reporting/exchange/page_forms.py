"""The input of the exchange pages: which file of a report, and an uploaded template."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .layout_rows import FILE_LANGUAGES


class FileOptionsForm(forms.Form):
    """?language=ru|kk (the page's language when it is one of them, else Russian)
    and ?children=1 for the organizations below as further columns."""

    language = forms.ChoiceField(
        label=_("Language of the file"), choices=FILE_LANGUAGES.items(), required=False
    )
    children = forms.BooleanField(
        label=_("With the organizations below"), required=False
    )


class TemplateUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Filled template"),
        help_text=_("The XLSX template downloaded from this page, with your figures."),
        # An empty file is the upload's to refuse, with its own message.
        allow_empty_file=True,
        widget=forms.FileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument."
                "spreadsheetml.sheet"
            }
        ),
    )
