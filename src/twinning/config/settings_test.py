"""Test settings: the normal settings with a fast password hasher and no login lock-outs."""

from twinning.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = False
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

# Uploaded files go to a throw-away folder, never into the working copy.
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="twinning-test-media-"))

# Notifications: e-mails stay in django.core.mail.outbox; robots may be a local test server;
# retries follow at once and a silent server times out quickly.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TWINNING_WEBHOOK_ALLOWED_HOSTS = [*TWINNING_WEBHOOK_ALLOWED_HOSTS, "127.0.0.1"]  # noqa: F405
TWINNING_DELIVERY_ATTEMPTS = 3
TWINNING_DELIVERY_BACKOFF_SECONDS = 0
TWINNING_DELIVERY_TIMEOUT_SECONDS = 0.5  # type: ignore[assignment]
