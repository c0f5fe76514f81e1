"""Studio forms: they parse and label; the rules are in ``courses.content``."""

from __future__ import annotations

import base64
import posixpath
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from courses.media import (
    CAPTIONS_SUFFIX,
    CAPTIONS_TYPE,
    VIDEO_TYPES,
    video_signature_matches,
    webvtt_problem,
)
from courses.models import Component, Module, Series
from lms.ids import parse_id
from toolkit.models import Resource

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


class LinesField(forms.CharField):
    """A list of strings edited as one line each."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value) -> list[str]:  # type: ignore[override]  # lines, not one string
        text = super().to_python(value) or ""
        # CharField's own check for NUL runs on the value to_python returns: here a list, whose
        # repr hides the character, and PostgreSQL refuses it in JSON. Check the text itself.
        ProhibitNullCharactersValidator()(text)
        return [line.strip() for line in text.splitlines() if line.strip()]


class SeriesForm(forms.ModelForm):
    topics = LinesField(label=_("Topics covered"), required=False, help_text=_("One per line."))

    class Meta:
        model = Series
        fields = ["title", "slug", "provider", "summary", "topics", "credit_hours", "credit_type"]
        help_texts = {"slug": _("Part of the web address. Leave empty to make one from the title.")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug") or ""
        if not slug and self.instance.pk:
            return self.instance.slug  # a series keeps its address unless given a new one
        return slug


class ModulesField(forms.ModelMultipleChoiceField):
    """Modules by id. A value that is no id (more digits than a key holds, say) is refused as
    an invalid choice before it reaches the database: Django looks the values up with ``IN``,
    which, unlike its ``=``, lets an integer past 64 bits through to SQLite, where it is a
    500."""

    def _check_values(self, value: Any) -> Any:
        for item in value if isinstance(value, list | tuple) else []:
            if isinstance(item, str) and parse_id(item) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return super()._check_values(value)  # type: ignore[misc]  # missing from the stubs


class ModuleForm(forms.ModelForm):
    objectives = LinesField(
        label=_("Learning objectives"), required=False, help_text=_("One per line.")
    )
    topics = LinesField(label=_("Topics"), required=False, help_text=_("One per line."))
    prerequisites = ModulesField(
        queryset=Module.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Builds on"),
        help_text=_("Learners complete these modules first."),
    )

    class Meta:
        model = Module
        fields = [
            "title",
            "slug",
            "summary",
            "objectives",
            "topics",
            "estimated_minutes",
            "content_advisory",
            "prerequisites",
        ]
        help_texts = {"slug": _("Leave empty to make one from the title.")}

    def __init__(self, *args, series: Series, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        others = series.modules.live().order_by("position")
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        cast(forms.ModelMultipleChoiceField, self.fields["prerequisites"]).queryset = others

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug") or ""
        slug = slug or (self.instance.slug if self.instance.pk else "")
        return _slug_free(slug, self.instance.series.modules, self.instance, SLUG_TAKEN["module"])


# Which fields each kind of component has, beyond the common ones.
KIND_FIELDS: dict[str, list[str]] = {
    Component.Kind.VIDEO: [
        *("video_file", "duration_seconds", "completion_threshold"),
        *("captions_file", "captions_language", "transcript", "no_speech"),
    ],
    Component.Kind.DOCUMENT: ["body"],
    Component.Kind.RESOURCE: ["resource"],
    Component.Kind.QUIZ: ["pass_mark", "max_attempts", "shuffle"],
    Component.Kind.SURVEY: ["anonymous"],
    Component.Kind.CERTIFICATE: ["certificate_title", "certificate_signatory"],
}
COMMON_FIELDS = ["title", "slug", "description", "required"]
# Hidden fields that carry a valid captions file past a refused submit (see keep_captions).
KEPT_CAPTIONS = "captions_kept"
KEPT_CAPTIONS_NAME = "captions_kept_name"


# A sentence for each, not the thing's name pasted in: its word and gender change with the language.
SLUG_TAKEN = {
    "module": _("Another module here already uses this slug."),
    "component": _("Another component here already uses this slug."),
}


def _slug_free(slug: str, siblings, instance, taken: str | _StrPromise) -> str:
    """The constraint's own check, said in words (the form cannot see the parent field)."""
    if slug and siblings.filter(slug=slug).exclude(pk=instance.pk).exists():
        raise forms.ValidationError(taken)
    return slug


class ComponentForm(forms.ModelForm):
    kept_captions: tuple[str, str] | None = None  # set by keep_captions

    class Meta:
        model = Component
        # In the order KIND_FIELDS lists them, which is the order the form shows them in.
        fields = [*COMMON_FIELDS, *dict.fromkeys(f for fs in KIND_FIELDS.values() for f in fs)]
        help_texts = {"slug": _("Leave empty to make one from the title.")}
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, kind: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        wanted = [*COMMON_FIELDS, *KIND_FIELDS[kind]]
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        self.fields["slug"].required = False
        if kind == Component.Kind.CERTIFICATE:
            del self.fields["required"]  # never required: it marks a place
        if "resource" in self.fields:
            # Listed resources, and the one the component already uses even if since retired.
            cast(
                forms.ModelChoiceField, self.fields["resource"]
            ).queryset = Resource.objects.filter(
                Q(is_active=True) | Q(pk=self.instance.resource_id)
            ).order_by("title")
            self.fields["resource"].required = True
        if kind == Component.Kind.QUIZ:
            self.fields["pass_mark"].required = True
            self.fields["pass_mark"].initial = 80
        if kind in (Component.Kind.QUIZ, Component.Kind.SURVEY) and self.instance.pk is None:
            # Learners could not complete a required one without questions: a new one starts
            # optional, and the author makes it required once its questions are written.
            self.initial["required"] = False
            self.fields["required"].help_text = _(
                "Write its questions first, then come back and make it required."
            )
        if kind == Component.Kind.VIDEO:
            self.fields["duration_seconds"].required = True
            self.fields["video_file"].required = not self.instance.video_file
            self.fields["video_file"].widget.attrs["accept"] = ",".join(VIDEO_TYPES.values())
            self.fields["captions_file"].widget.attrs["accept"] = (
                f"{CAPTIONS_SUFFIX},{CAPTIONS_TYPE}"
            )
            self.fields["transcript"].widget.attrs["rows"] = 8
            self.fields["captions_language"].required = False  # English unless chosen
        if kind == Component.Kind.DOCUMENT:
            self.fields["body"].widget.attrs["rows"] = 12

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug") or ""
        slug = slug or (self.instance.slug if self.instance.pk else "")
        return _slug_free(
            slug, self.instance.module.components, self.instance, SLUG_TAKEN["component"]
        )

    def clean_video_file(self):
        upload = self.cleaned_data.get("video_file")
        name = getattr(upload, "name", "") or ""
        if not isinstance(upload, UploadedFile):
            return upload  # nothing new uploaded: the stored file stays
        suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if suffix not in VIDEO_TYPES:
            raise forms.ValidationError(_("Upload the video as a WebM or MP4 file."))
        limit = settings.LMS_VIDEO_MAX_BYTES
        if (upload.size or 0) > limit:
            raise forms.ValidationError(
                _("The video is larger than %(limit)s: upload a smaller file."),
                params={"limit": filesizeformat(limit)},
            )
        if not video_signature_matches(upload, suffix):
            raise forms.ValidationError(
                _(
                    "This file is not video in the %(type)s format, whatever its name: upload a "
                    "WebM or MP4 file."
                ),
                params={"type": {".mp4": "MP4", ".webm": "WebM"}[suffix]},
            )
        return upload

    def clean_captions_language(self) -> str:
        return self.cleaned_data.get("captions_language") or "en"

    def clean_captions_file(self):
        upload = self.cleaned_data.get("captions_file")
        if not isinstance(upload, UploadedFile) and upload is not False:
            upload = self._kept_captions() or upload  # none chosen: the one kept, if any
        if not isinstance(upload, UploadedFile):
            return upload  # nothing new uploaded: the stored file stays (or is cleared)
        if not (upload.name or "").lower().endswith(CAPTIONS_SUFFIX):
            raise forms.ValidationError(_("Upload the captions as a WebVTT file (.vtt)."))
        limit = settings.LMS_CAPTIONS_MAX_BYTES
        if (upload.size or 0) > limit:  # before reading it
            raise forms.ValidationError(
                _("The captions file is larger than %(limit)s: upload a smaller file."),
                params={"limit": filesizeformat(limit)},
            )
        upload.seek(0)
        problem = webvtt_problem(upload.read())
        upload.seek(0)
        if problem:
            raise forms.ValidationError(problem)
        return upload

    def _kept_captions(self) -> UploadedFile | None:
        """The captions file a refused submit kept (see ``keep_captions``), checked again like
        any upload; None when there is none or it is not base64."""
        raw = self.data.get(KEPT_CAPTIONS) or ""
        if not raw or len(raw) > settings.LMS_CAPTIONS_MAX_BYTES * 4 // 3 + 4:
            return None
        try:
            data = base64.b64decode(raw, validate=True)
        except ValueError:  # binascii.Error is one
            return None
        name = posixpath.basename(str(self.data.get(KEPT_CAPTIONS_NAME) or "").replace("\\", "/"))
        return SimpleUploadedFile(name[-100:] or "captions.vtt", data, content_type=CAPTIONS_TYPE)

    def keep_captions(self) -> None:
        """After a refused submit, keep a valid captions file for the next one: a browser does
        not keep a chosen file, so the page carries it (``kept_captions``: its name and bytes
        in base64, for hidden fields) and says so under the field."""
        upload = getattr(self, "cleaned_data", {}).get("captions_file")
        if "captions_file" not in self.fields or not isinstance(upload, UploadedFile):
            return
        upload.seek(0)
        self.kept_captions = (upload.name or "", base64.b64encode(upload.read()).decode("ascii"))
        upload.seek(0)
        # The bound field copied its help text when the form was cleaned.
        self["captions_file"].help_text = _(
            "“%(name)s” is kept from your last try and is saved with the rest; choose another "
            "file only to replace it."
        ) % {"name": upload.name}

    def _post_clean(self) -> None:
        # The kind decides which model rules apply; set it before the model's clean() runs.
        self.instance.kind = self.kind
        if self.kind == Component.Kind.CERTIFICATE:
            self.instance.required = False
        if not self.instance.slug:
            self.instance.slug = "pending"  # made from the title by the service
        super()._post_clean()  # type: ignore[misc]  # ModelForm's hook, missing from the stubs

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        if self.kind == Component.Kind.CERTIFICATE:
            data["required"] = False
        if data.get("captions_file") is False:  # “clear” ticked: no file, as the model says it
            data["captions_file"] = ""
        return data


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Series.Status.choices)
