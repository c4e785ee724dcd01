"""LIGAT's engine layer: SpiffWorkflow wrapped, persisted and timed. No Flask here.

Path of a case through the files of this package:
    parsing.py / deployment.py   BPMN file → versioned process definition
    cases.py                     engine step: start, claim, complete, wake
    inbox.py                     inbox rows (projection) and who may see what
    audit.py                     hash-chained audit events
    timers.py                    due timers, woken once across processes
    notifications.py             outbox and channel adapters
"""

# Modules that add tables and script functions (issue_letter, mask_nik, dtks_lookup): imported here so every
# engine step has them, whoever imported the engine first.
# applicant_links, cota, lks, timeplan: the LKS and COTA lines.
from . import applicant_links, cota, documents, dtks, issued_letters, lks, persons, timeplan  # noqa: E402, F401
