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
"""

# Modules that add tables and script functions (issue_letter, register_entry, time_after, …): imported here
# so every engine step has them, whoever imported the engine first.
from . import applicant_links, documents, dtks, issued_letters, persons, registers, timeplan  # noqa: E402, F401
