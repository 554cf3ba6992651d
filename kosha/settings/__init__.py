"""Kosha settings, every deployment value read from the environment (kosha/env.py).

The readers of kosha/env.py reject a malformed value with ImproperlyConfigured at boot, so a
typo in production fails loudly instead of silently falling back to a default. The values
are grouped by concern, one module each; this package is DJANGO_SETTINGS_MODULE and gathers
them all:

- base.py: the Django platform (secrets, hosts, apps, middleware, database, security, static
  files, cache, task queue, logging);
- accounts.py: mail, sign-in, two-factor, single sign-on;
- api.py: the REST framework and the OpenAPI schema;
- storage.py: the object store, its replica, the upload protocol, drop links;
- features.py: webhooks, sharing, notifications and operations.
"""

from kosha.settings.accounts import *  # noqa: F403
from kosha.settings.api import *  # noqa: F403
from kosha.settings.base import *  # noqa: F403
from kosha.settings.features import *  # noqa: F403
from kosha.settings.storage import *  # noqa: F403
