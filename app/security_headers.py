"""Flask-Talisman with what it rebuilt on every request kept (the headers themselves are set in
app/hardening.py).

Talisman merged its defaults into a fresh options dict four times a request (three hooks and the
policy's text), and wrote the Content-Security-Policy from its dict on every answer, although only the
request's nonce changes: about 180 Python calls a citizen's report. Here a view's options are merged
once per process, and the policy's text is joined once around the places its nonce goes; every header
reads as Talisman writes it.
"""

from __future__ import annotations

from typing import Any

import flask
from flask_talisman import Talisman


class KeptPolicyTalisman(Talisman):
    def __init__(self, app: flask.Flask | None = None, **kwargs: Any) -> None:
        self._view_options: dict[Any, dict[str, Any]] = {}
        self._policy_text: dict[tuple[int, int], tuple[Any, Any, list[str]]] = {}
        super().__init__(app, **kwargs)

    def _get_local_options(self) -> dict[str, Any]:
        """A view's options (a `talisman(...)` decorator's, else none) with Talisman's own filled in: fixed
        once the view exists, so merged once per view function. The answer is read, never changed."""
        view = flask.current_app.view_functions.get(flask.request.endpoint)
        options = self._view_options.get(view)
        if options is None:
            options = self._view_options[view] = super()._get_local_options()
        return options

    def _parse_policy(self, policy: str | dict[str, Any]) -> str:
        """Talisman's policy text: each section, with " 'nonce-…'" after those named by
        content_security_policy_nonce_in when the request has a nonce."""
        nonce_in = self._get_local_options()["content_security_policy_nonce_in"]
        pieces = self._pieces(policy, nonce_in)
        nonce = getattr(flask.request, "csp_nonce", None)
        if nonce is None and not hasattr(flask.request, "csp_nonce"):
            return "".join(pieces)
        return f" 'nonce-{nonce}'".join(pieces)

    def _pieces(self, policy: str | dict[str, Any], nonce_in: Any) -> list[str]:
        """The policy's text cut where a nonce goes (kept per policy object and nonce list)."""
        key = (id(policy), id(nonce_in))
        kept = self._policy_text.get(key)
        if kept is not None and kept[0] is policy and kept[1] is nonce_in:
            return kept[2]
        if isinstance(policy, str):  # Talisman's reading of a policy given as text
            sections: dict[str, Any] = {}
            for part in policy.split(";"):
                words = part.strip().split(" ")
                sections[words[0]] = " ".join(words[1:])
        else:
            sections = policy
        pieces, text = [], ""
        for section, content in sections.items():
            words = content if isinstance(content, str) else " ".join(content)
            text += ("; " if text or pieces else "") + f"{section} {words}"
            if nonce_in and section in nonce_in:
                pieces.append(text)
                text = ""
        pieces.append(text)
        self._policy_text[key] = (policy, nonce_in, pieces)
        return pieces
