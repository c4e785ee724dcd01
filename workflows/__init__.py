"""LIGAT's engine layer: SpiffWorkflow wrapped, persisted and timed. No Flask here.

Path of a case through the files of this package:
    packages/                    a service line's files → checked, stored as one version
    parsing.py / deployment.py   BPMN files → process definitions of that version
    cases.py                     engine step: start, claim, complete, wake
    inbox.py                     inbox rows (projection)
    visibility.py                who may see which case and task (package roles and their scope)
    audit.py                     hash-chained audit events
    timers.py                    due timers, woken once across processes
    notifications.py             outbox and channel adapters
    whatsapp/                    WhatsApp (and SMS) channel: conversation, adapter, inbound queue
"""

# Every module with tables or script functions is loaded with the package, so the metadata and the
# registry of script functions are whole whoever imports the engine first (workflows/bootstrap.py
# lists them; `bootstrap.configure` is the engine's one set-up).
from .bootstrap import load_modules as _load_modules  # noqa: E402

_load_modules()
