"""Forms of the question editor: they parse and label; the rules are in
``courses.content``."""

from __future__ import annotations

from django import forms
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.content import QUESTION_KINDS as KINDS
from courses.content import ChoiceInput
from courses.models import Choice, Component, Question

KIND_HELP = {
    Component.Kind.QUIZ: _(
        "Single choice: learners pick one answer, and exactly one is correct. Multiple choice: "
        "learners tick every answer that applies; one or more are correct, and the question "
        "scores only when the learner ticks exactly those."
    ),
    Component.Kind.SURVEY: _(
        "Single or multiple choice: learners pick from the choices below. Agreement scale: "
        "learners answer from “Strongly disagree” to “Strongly agree” (no choices needed). "
        "Free text: learners answer in their own words (no choices needed)."
    ),
}


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["kind", "text", "explanation", "required", "slug"]
        labels = {"kind": _("Kind of question"), "slug": pgettext_lazy("question key", "Key")}
        help_texts = {
            "slug": _(
                "A short, stable name for this question, used when the series is exported and "
                "imported. Leave empty to make one from the question."
            ),
            "required": _("Learners must answer it before they can submit the survey."),
        }
        widgets = {
            "kind": forms.RadioSelect,
            "text": forms.Textarea(attrs={"rows": 3}),
            "explanation": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, component: Component, kind_locked: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [(k, Question.Kind(k).label) for k in KINDS[component.kind]]
        kind.help_text = KIND_HELP[Component.Kind(component.kind)]
        if not self.initial.get("kind"):
            self.initial["kind"] = Question.Kind.SINGLE
        if kind_locked:
            kind.disabled = True
            kind.help_text = _(
                "Learners have answered this question, so its kind stays as it is. To ask it "
                "another way, add a new question."
            )
        if component.kind == Component.Kind.QUIZ:
            del self.fields["required"]  # every quiz question is answered
        else:
            del self.fields["explanation"]  # survey answers are not marked
        self.fields["slug"].required = False

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug") or ""
        return slug or (self.instance.slug if self.instance.pk else "")

    def data_for_service(self) -> dict:
        return dict(self.cleaned_data)


class ChoiceForm(forms.ModelForm):
    class Meta:
        model = Choice
        fields = ["text", "is_correct"]
        widgets = {
            "text": forms.TextInput(attrs={"class": "form-control"}),
            "is_correct": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        }
        error_messages = {
            "text": {"required": _("Write the answer, or tick “remove”.")},
        }


class BaseChoiceFormSet(BaseInlineFormSet):
    # A widget instance where Django expects its class: it renders the same, with the class.
    deletion_widget = forms.CheckboxInput(attrs={"class": "form-check-input"})  # type: ignore[assignment]

    def choices(self) -> list[ChoiceInput]:
        """The choices as the author left them, in order: rows ticked “remove” and rows left
        empty are not among them. Call after ``is_valid()``."""
        wanted = []
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            wanted.append(
                ChoiceInput(
                    text=data["text"],
                    is_correct=bool(data.get("is_correct")),
                    pk=form.instance.pk,
                )
            )
        return wanted


def choice_formset(component: Component, data=None, *, instance: Question) -> BaseChoiceFormSet:
    """The choices of ``instance`` as rows, with blank rows to add more; a survey's choices
    have no “correct” tick."""
    fields = ["text", "is_correct"] if component.kind == Component.Kind.QUIZ else ["text"]
    formset_class = inlineformset_factory(
        Question,
        Choice,
        form=ChoiceForm,
        formset=BaseChoiceFormSet,
        fields=fields,
        extra=2 if instance.pk else 4,
        can_delete=True,
    )
    formset = formset_class(data, instance=instance, prefix="choices")
    assert isinstance(formset, BaseChoiceFormSet)
    return formset
