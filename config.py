"""LIGAT settings. Every value can be overridden by an environment variable of
the same name; SQLite is the default database, PostgreSQL via DATABASE_URL."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("LIGAT_VAR_DIR", BASE_DIR / "var"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in ("1", "true", "yes", "ya")


def database_url() -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'ligat.db'}"
    # psycopg 3 is the driver we ship; accept the common spellings.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    # A per-installation key kept beside the database, made on first start.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    APP_NAME = "LIGAT"
    APP_THEME = ""
    SECRET_KEY = _secret_key()
    SQLALCHEMY_DATABASE_URI = database_url()
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # hide_parameters: a failed statement's values (reporters' names, phones, NIKs) stay out of logs.
    SQLALCHEMY_ENGINE_OPTIONS = {"hide_parameters": True}
    # A pooled connection idle this long is tested before use (workflows/pool_ping.py), so a database
    # restarted while the pool was quiet fails no request; one reused sooner is not (0: test every time).
    LIGAT_DB_PING_IDLE_SECONDS = float(os.environ.get("LIGAT_DB_PING_IDLE_SECONDS", 2))

    # Schema comes from Alembic migrations only (see app/setup.py).
    FAB_CREATE_DB = False
    FAB_UPDATE_PERMS = False
    FAB_INDEX_VIEW = "app.views.home.HomeView"
    FAB_SECURITY_MANAGER_CLASS = "app.security.LigatSecurityManager"
    AUTH_TYPE = 1  # AUTH_DB
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    FAB_ADD_SECURITY_API = False

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jayapura"
    LANGUAGES = {"id": {"flag": "id", "name": "Bahasa Indonesia"}, "en": {"flag": "gb", "name": "English"}}

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Cookies only over HTTPS: off for a local http://127.0.0.1 try-out, ON in production (README).
    LIGAT_SESSION_SECURE = _bool("LIGAT_SESSION_SECURE", False)
    SESSION_COOKIE_SECURE = REMEMBER_COOKIE_SECURE = LIGAT_SESSION_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # An officer's session ends after this many hours without a request (and at logout).
    LIGAT_SESSION_HOURS = float(os.environ.get("LIGAT_SESSION_HOURS", 8))
    PERMANENT_SESSION_LIFETIME = timedelta(hours=LIGAT_SESSION_HOURS)
    # Login throttling (app/accounts.py): failures per username / per address within the window.
    LIGAT_LOGIN_MAX_FAILURES = int(os.environ.get("LIGAT_LOGIN_MAX_FAILURES", 5))
    LIGAT_LOGIN_MAX_FAILURES_ADDRESS = int(os.environ.get("LIGAT_LOGIN_MAX_FAILURES_ADDRESS", 20))
    LIGAT_LOGIN_WINDOW_MINUTES = int(os.environ.get("LIGAT_LOGIN_WINDOW_MINUTES", 15))
    # Deepest JSON body accepted (app/hardening.py).
    LIGAT_MAX_JSON_DEPTH = int(os.environ.get("LIGAT_MAX_JSON_DEPTH", 32))
    MAX_CONTENT_LENGTH = int(os.environ.get("LIGAT_MAX_UPLOAD_BYTES", 25 * 1024 * 1024))

    # Office served by this installation: Kemendagri code of its regency/city.
    LIGAT_OFFICE_REGION = os.environ.get("LIGAT_OFFICE_REGION", "91.71")
    LIGAT_OFFICE_NAME = os.environ.get("LIGAT_OFFICE_NAME", "Dinas Sosial Kota Jayapura")
    # The letterhead's address line (letters' {{kop_alamat}}): set the office's own before issuing real letters.
    LIGAT_OFFICE_ADDRESS = os.environ.get("LIGAT_OFFICE_ADDRESS", "Kota Jayapura, Papua")
    LIGAT_OFFICE_PHONE = os.environ.get("LIGAT_OFFICE_PHONE", "")
    LIGAT_OFFICE_EMAIL = os.environ.get("LIGAT_OFFICE_EMAIL", "")
    # Root of the bundled service packages (bpmn/<code>/, forms/<code>/, letters/<code>/), deployed on start.
    LIGAT_PACKAGES_DIR = os.environ.get("LIGAT_PACKAGES_DIR", str(BASE_DIR))
    LIGAT_UPLOAD_DIR = os.environ.get("LIGAT_UPLOAD_DIR", str(VAR_DIR / "uploads"))
    LIGAT_MIGRATE_ON_START = _bool("LIGAT_MIGRATE_ON_START", True)
    LIGAT_DEMO_USERS = _bool("LIGAT_DEMO_USERS", True)
    LIGAT_SCHEDULER = _bool("LIGAT_SCHEDULER", True)
    LIGAT_TIMER_POLL_SECONDS = int(os.environ.get("LIGAT_TIMER_POLL_SECONDS", 15))
    # The office's certificate and key (PEM) that sign issued PDF letters (PAdES). Unset: a demo
    # certificate for LIGAT_OFFICE_NAME is generated once under LIGAT_SIGNING_DEMO_DIR.
    LIGAT_SIGNING_CERT = os.environ.get("LIGAT_SIGNING_CERT")
    LIGAT_SIGNING_KEY = os.environ.get("LIGAT_SIGNING_KEY")
    LIGAT_SIGNING_KEY_PASSWORD = os.environ.get("LIGAT_SIGNING_KEY_PASSWORD")
    LIGAT_SIGNING_DEMO_DIR = os.environ.get("LIGAT_SIGNING_DEMO_DIR", str(VAR_DIR / "tanda-tangan"))
    # Longest wait, in seconds, for LibreOffice to turn an approver's letter preview into PDF (then the
    # page offers the .docx); the page waits for it, so it is kept well below a proxy's time limit.
    LIGAT_LETTER_PREVIEW_TIMEOUT = float(os.environ.get("LIGAT_LETTER_PREVIEW_TIMEOUT", 45))
    # How often the scheduler verifies every audit chain (result and time on /audit/).
    LIGAT_AUDIT_CHECK_MINUTES = int(os.environ.get("LIGAT_AUDIT_CHECK_MINUTES", 60))
    # The dashboard's daily summary: how often the scheduler rewrites it, and how many past days each time.
    LIGAT_DASHBOARD_REFRESH_MINUTES = int(os.environ.get("LIGAT_DASHBOARD_REFRESH_MINUTES", 10))
    LIGAT_DASHBOARD_REFRESH_DAYS = int(os.environ.get("LIGAT_DASHBOARD_REFRESH_DAYS", 45))
    # How often the scheduler takes the dashboard's snapshot of what is open now (backlog, heatmap, open cases).
    LIGAT_DASHBOARD_SNAPSHOT_SECONDS = int(os.environ.get("LIGAT_DASHBOARD_SNAPSHOT_SECONDS", 60))
    LIGAT_NOTIFY_CHANNEL = os.environ.get("LIGAT_NOTIFY_CHANNEL", "log")
    # The office's own days off, beyond national holidays and cuti bersama, for SLAs in working days:
    # comma-separated ISO dates, e.g. "2026-10-12,2026-12-31" (workflows/durations.py).
    LIGAT_HARI_LIBUR_KANTOR = os.environ.get("LIGAT_HARI_LIBUR_KANTOR", "")
    LIGAT_PUBLIC_URL = os.environ.get("LIGAT_PUBLIC_URL", "http://127.0.0.1:5000")
    # Validity of LKS permits per type, e.g. "izin_operasional=P3Y,tanda_daftar=P5Y,izin_sumbangan=P3M"
    # (ISO durations; types left out keep the defaults in bpmn/izin_lks.bpmn).
    LIGAT_LKS_MASA_BERLAKU = os.environ.get("LIGAT_LKS_MASA_BERLAKU", "")
    LIGAT_LKS_PENGINGAT_SEBELUM = os.environ.get("LIGAT_LKS_PENGINGAT_SEBELUM", "P30D")  # expiry reminder

    # Service letters and their documents (workflows/issued_letters.py, workflows/documents.py).
    LIGAT_LETTER_DIR = os.environ.get("LIGAT_LETTER_DIR", "")  # empty: beside uploads in LIGAT_UPLOAD_DIR
    LIGAT_MAX_DOCUMENT_BYTES = int(os.environ.get("LIGAT_MAX_DOCUMENT_BYTES", 5 * 1024 * 1024))
    # PBI-JKN approval delegated by the head of office to the Kepala Bidang Linjamsos.
    LIGAT_PBI_DELEGASI_KABID = _bool("LIGAT_PBI_DELEGASI_KABID", False)
    # Group visits a day to the heroes' cemetery (izin_ziarah): approved visits on one date, at most.
    LIGAT_ZIARAH_KUOTA_HARIAN = os.environ.get("LIGAT_ZIARAH_KUOTA_HARIAN", "5")
    # PBI-APBD: how many residents the regional budget pays for in one year (bpmn/pbi_apbd: checked
    # before approval; a case that finds it used up waits or is refused).
    LIGAT_PBI_APBD_KUOTA_TAHUNAN = int(os.environ.get("LIGAT_PBI_APBD_KUOTA_TAHUNAN", 1000))

    # Citizen portal (app/portal/) and Open311 (app/open311/).
    LIGAT_TILE_URL = os.environ.get("LIGAT_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    LIGAT_TILE_ATTRIBUTION = os.environ.get("LIGAT_TILE_ATTRIBUTION", "© kontributor OpenStreetMap")
    LIGAT_MAP_CENTER = os.environ.get("LIGAT_MAP_CENTER", "-2.5337,140.7181")  # Kota Jayapura
    LIGAT_CALL_CENTER = os.environ.get("LIGAT_CALL_CENTER", "171")  # panic button: tel:
    LIGAT_WHATSAPP_NUMBER = os.environ.get("LIGAT_WHATSAPP_NUMBER", "")  # panic button: wa.me (628...)
    LIGAT_MAX_PHOTOS = int(os.environ.get("LIGAT_MAX_PHOTOS", 5))
    LIGAT_PHOTO_MAX_BYTES = int(os.environ.get("LIGAT_PHOTO_MAX_BYTES", 10 * 1024 * 1024))
    LIGAT_VIDEO_MAX_BYTES = int(os.environ.get("LIGAT_VIDEO_MAX_BYTES", 20 * 1024 * 1024))
    LIGAT_VIDEO_MAX_SECONDS = int(os.environ.get("LIGAT_VIDEO_MAX_SECONDS", 60))
    LIGAT_SIMILAR_RADIUS_M = int(os.environ.get("LIGAT_SIMILAR_RADIUS_M", 300))
    LIGAT_SIMILAR_DAYS = int(os.environ.get("LIGAT_SIMILAR_DAYS", 7))
    # Decimals of a report's coordinates the public sees (portal, Open311): 3 ≈ 110 m, 2 ≈ 1.1 km.
    LIGAT_PUBLIC_COORD_DECIMALS = int(os.environ.get("LIGAT_PUBLIC_COORD_DECIMALS", 3))
    LIGAT_OPEN311_JURISDICTION = os.environ.get("LIGAT_OPEN311_JURISDICTION", "")  # default: LIGAT_OFFICE_REGION

    # WhatsApp Business Cloud API (app/whatsapp/, workflows/whatsapp/). Without a token the local
    # stand-in answers in-process (same wire format) and the chat simulator is at /whatsapp/simulator/.
    LIGAT_WHATSAPP_TOKEN = os.environ.get("LIGAT_WHATSAPP_TOKEN", "")
    LIGAT_WHATSAPP_PHONE_NUMBER_ID = os.environ.get("LIGAT_WHATSAPP_PHONE_NUMBER_ID", "100000000000001")
    LIGAT_WHATSAPP_API_URL = os.environ.get("LIGAT_WHATSAPP_API_URL", "https://graph.facebook.com")
    LIGAT_WHATSAPP_API_VERSION = os.environ.get("LIGAT_WHATSAPP_API_VERSION", "21.0")
    LIGAT_WHATSAPP_VERIFY_TOKEN = os.environ.get("LIGAT_WHATSAPP_VERIFY_TOKEN", "")
    LIGAT_WHATSAPP_APP_SECRET = os.environ.get("LIGAT_WHATSAPP_APP_SECRET", "")  # empty + no token: derived
    # Approved message templates, for messages outside WhatsApp's 24-hour window.
    LIGAT_WHATSAPP_TEMPLATE_STATUS = os.environ.get("LIGAT_WHATSAPP_TEMPLATE_STATUS", "ligat_status")
    LIGAT_WHATSAPP_TEMPLATE_MESSAGE = os.environ.get("LIGAT_WHATSAPP_TEMPLATE_MESSAGE", "ligat_pesan_petugas")
    LIGAT_WHATSAPP_TEMPLATE_LETTER = os.environ.get("LIGAT_WHATSAPP_TEMPLATE_LETTER", "ligat_surat_terbit")
    LIGAT_WHATSAPP_TEMPLATE_LANGUAGE = os.environ.get("LIGAT_WHATSAPP_TEMPLATE_LANGUAGE", "id")
    LIGAT_WHATSAPP_WINDOW_HOURS = int(os.environ.get("LIGAT_WHATSAPP_WINDOW_HOURS", 24))
    LIGAT_WHATSAPP_EXPIRY_MINUTES = int(os.environ.get("LIGAT_WHATSAPP_EXPIRY_MINUTES", 30))  # quiet conversation
    LIGAT_WHATSAPP_RATE_PER_MINUTE = int(os.environ.get("LIGAT_WHATSAPP_RATE_PER_MINUTE", 20))  # per sender
    # SMS fallback (workflows/whatsapp/sms.py documents the wire format); no token: the local stand-in.
    LIGAT_SMS_API_URL = os.environ.get("LIGAT_SMS_API_URL", "")
    LIGAT_SMS_TOKEN = os.environ.get("LIGAT_SMS_TOKEN", "")

    # Rate limits (Flask-Limiter syntax, per client address unless noted). FAB's login limiter stays off.
    RATELIMIT_ENABLED = _bool("LIGAT_RATELIMIT_ENABLED", True)
    # Per process by default (app/ratelimit.py); redis:// or memcached:// to count across web processes.
    RATELIMIT_STORAGE_URI = os.environ.get("LIGAT_RATELIMIT_STORAGE_URI", "ligat-memory://")
    RATELIMIT_HEADERS_ENABLED = True
    AUTH_RATE_LIMITED = False
    LIGAT_RATELIMIT_REPORT = os.environ.get("LIGAT_RATELIMIT_REPORT", "10 per minute;60 per hour")
    LIGAT_RATELIMIT_REPORT_GLOBAL = os.environ.get("LIGAT_RATELIMIT_REPORT_GLOBAL", "600 per hour")  # all clients
    LIGAT_RATELIMIT_LOOKUP = os.environ.get("LIGAT_RATELIMIT_LOOKUP", "60 per minute")
    LIGAT_RATELIMIT_OPEN311_POST = os.environ.get("LIGAT_RATELIMIT_OPEN311_POST", "30 per minute")  # per API key
    LIGAT_TRUSTED_PROXIES = int(os.environ.get("LIGAT_TRUSTED_PROXIES", 0))  # proxies in front (X-Forwarded-For)
