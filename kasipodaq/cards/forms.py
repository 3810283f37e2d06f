"""Forms of the card pages."""

from __future__ import annotations

import io

from django import forms
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from .models import CardDesign, RevokeReason
from .numbers import CardNumberError, parse_number
from .services.issuing import REISSUE_REASONS

MAX_LOGO_BYTES = 512 * 1024
MAX_LOGO_PIXELS = 4096 * 4096


class ConfirmForm(forms.Form):
    """Nothing to fill in: the button is the decision."""


class ReissueForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why is the card reissued?"),
        choices=[(r.value, r.label) for r in REISSUE_REASONS],
    )


class RevokeForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why is the card revoked?"), choices=RevokeReason.choices
    )


class DesignForm(forms.ModelForm):
    logo_file = forms.FileField(
        label=_("Logo (PNG or JPEG, up to 512 KB)"), required=False
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    class Meta:
        model = CardDesign
        fields = ["background", "foreground", "suspend_after_months"]
        widgets = {
            "background": forms.TextInput(attrs={"type": "color"}),
            "foreground": forms.TextInput(attrs={"type": "color"}),
        }

    def clean_logo_file(self) -> bytes | None:
        upload = self.cleaned_data.get("logo_file")
        if upload is None:
            return None
        if upload.size > MAX_LOGO_BYTES:
            raise forms.ValidationError(_("The logo is larger than 512 KB."))
        data = upload.read()
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in {"PNG", "JPEG"}:
                    raise forms.ValidationError(
                        _("The logo must be a PNG or JPEG image.")
                    )
                if image.width * image.height > MAX_LOGO_PIXELS:
                    raise forms.ValidationError(_("The logo has too many pixels."))
                image.verify()
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
            raise forms.ValidationError(
                _("The logo must be a PNG or JPEG image.")
            ) from None
        return data


class FindForm(forms.Form):
    number = forms.CharField(
        label=_("Card number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_number(self) -> str:
        try:
            return parse_number(self.cleaned_data["number"])
        except CardNumberError as refusal:
            raise forms.ValidationError(str(refusal)) from None
