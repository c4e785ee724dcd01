"""Templates' `_()`, `ngettext`, `pgettext` with the request's catalogue found once.

Flask-Babel's own callables look the catalogue up on every call (the request's Babel state, its locale, the
locale's name as a key): about thirty times a page. Here the catalogue is kept in `g` with the locale object it
was found for, and used while Flask-Babel's locale for the request is that same object: `refresh()` (the
portal's language switch) and `force_locale()` replace it, so either makes the next call look again.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_babel import get_translations


def _locale() -> object | None:
    state = g.get("_flask_babel")  # Flask-Babel's per-request state (flask_babel._get_current_context)
    return getattr(state, "babel_locale", None)


def catalogue() -> Any:  # noqa: ANN401 (babel.support.Translations)
    """The request's translations, as `flask_babel.get_translations()` gives them."""
    kept = g.get("ligat_catalogue")
    locale = _locale()
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    translations = get_translations()
    g.ligat_catalogue = (_locale(), translations)
    return translations


def init_page_translations(app: Flask) -> None:
    """After Flask-Babel is set up (FAB's AppBuilder does it): the same callables as Flask-Babel installs."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: catalogue().ugettext(s),
        ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n),
    )
