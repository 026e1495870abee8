"""Every form of the app derives from rikscha.forms.Form, which reads WTForms' messages once per
language (see test_rides_office_integration's test of the messages themselves)."""

from __future__ import annotations

from flask_wtf import FlaskForm

from rikscha.forms import Form


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_every_form_of_the_app_derives_from_its_base(app):
    # The app fixture has imported every blueprint, and with them every form.
    forms = {cls for cls in _subclasses(FlaskForm) if cls.__module__.startswith("rikscha.")}
    assert len(forms) > 30
    assert sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in forms if not issubclass(cls, Form)) == []
