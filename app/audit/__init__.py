"""The auditor's side: searching the audit trail and the access logs, chain verification (scheduled
and on demand), a case's history as a PDF to file."""
