"""JSON API for officers (JWT from /api/v1/security/login, or the browser session)."""
