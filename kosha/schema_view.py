"""The OpenAPI schema's view: drf-spectacular's, generating one schema at a time per process.

drf-spectacular resolves each registered extension's `target_class` (a dotted path) the
first time a schema is generated, by assigning to the extension class itself, and that
step is not thread-safe: two first requests at once in the threads of one process (gunicorn
`--threads`, as `make run` and bench/stack.py serve) read the attribute while the other
thread replaces it, and all but one answer 500 (`'NoneType' object has no attribute
'startswith'`, raised while handling the ImportError of a contrib target such as
`dj_rest_auth` that is not installed). A schema is generated rarely, so one lock per
process is the whole fix.
"""

import threading

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SCHEMA_KWARGS, SpectacularAPIView

# Held while a schema is generated: see the module docstring.
generation_lock = threading.Lock()


class SchemaView(SpectacularAPIView):
    # GET /api/schema/: the OpenAPI 3 document, as drf-spectacular builds it; concurrent
    # requests in one process wait for each other (`generation_lock`). The schema describes
    # this operation exactly as drf-spectacular's own view: its docstring and declaration.
    __doc__ = SpectacularAPIView.__doc__

    @extend_schema(**SCHEMA_KWARGS)
    def get(self, request, *args, **kwargs):
        with generation_lock:
            return super().get(request, *args, **kwargs)
