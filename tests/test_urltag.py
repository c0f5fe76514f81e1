"""The remembered {% url %} answers as Django's own tag does, in every case it can meet."""

import pytest
from django.template import Context, Engine, Template, engines
from django.test import override_settings
from django.urls import NoReverseMatch, reverse, set_script_prefix

from lms import urltag


def render(text: str, **context) -> str:
    return engines["django"].from_string(text).render(context)


def test_every_template_uses_it_and_answers_as_reverse():
    urltag._reversed.cache_clear()
    assert render("{% url 'home' %}") == reverse("home")
    assert render("{% url 'home' %}") == reverse("home")
    assert urltag._reversed.cache_info().hits == 1
    slug = "working-with-survivors"
    assert render("{% url 'courses:series-resume' series_slug=s %}", s=slug) == reverse(
        "courses:series-resume", kwargs={"series_slug": slug}
    )
    assert render("{% url 'courses:series-resume' s %}", s=slug) == reverse(
        "courses:series-resume", args=[slug]
    )


def test_a_name_that_does_not_reverse_still_raises_and_as_var_still_gives_nothing():
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-page' %}")
    assert render("{% url 'no-such-page' as link %}[{{ link }}]") == "[]"
    assert render("{% url 'home' as link %}[{{ link }}]") == f"[{reverse('home')}]"


def test_an_argument_that_is_not_plain_goes_through_djangos_own_tag():
    class Slug:
        def __str__(self) -> str:
            return "working-with-survivors"

    assert render("{% url 'courses:series-resume' s %}", s=Slug()) == reverse(
        "courses:series-resume", args=["working-with-survivors"]
    )


def test_the_answer_follows_the_script_prefix_and_the_url_configuration():
    home = reverse("home")
    set_script_prefix("/portal/")
    try:
        assert render("{% url 'home' %}") == "/portal" + home
    finally:
        set_script_prefix("/")
    assert render("{% url 'home' %}") == home
    with override_settings(ROOT_URLCONF="tests.urltag_urls"):
        assert render("{% url 'home' %}") == "/elsewhere/"


def test_the_url_is_escaped_as_djangos_is():
    text = "{% url 'reminders:unsubscribe' token %}"
    ours, djangos = Engine(builtins=["lms.urltag"]), Engine()
    for autoescape in (True, False):
        context = {"token": "a&b"}
        expected = Template(text, engine=djangos).render(Context(context, autoescape=autoescape))
        got = Template(text, engine=ours).render(Context(context, autoescape=autoescape))
        assert got == expected
    assert "&amp;" in Template(text, engine=ours).render(Context({"token": "a&b"}))
