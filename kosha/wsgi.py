import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kosha.settings")
django_application = get_wsgi_application()

# /dav/ is the WebDAV door (WsgiDAV), mounted beside Django: see dav/app.py.
from dav.app import mount  # noqa: E402  (needs Django set up first)

application = mount(django_application)
