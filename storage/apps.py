from django.apps import AppConfig


class StorageConfig(AppConfig):
    name = "storage"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from kosha.sqlite_params import sqlite_params_limit_register
        from storage import signals  # noqa: F401
        from storage.collation import sqlite_collation_register
        from storage.search.query import sqlite_functions_register

        # The embedded search's case folding (storage/search/query.py), on each connection.
        connection_created.connect(sqlite_functions_register, dispatch_uid="kosha-sqlite-functions")
        # The natural name order (storage/collation.py), on each SQLite connection.
        connection_created.connect(sqlite_collation_register, dispatch_uid="kosha-sqlite-collation")
        # SQLite's own bound-parameter limit, so a batch's INSERT is one statement there too.
        connection_created.connect(sqlite_params_limit_register, dispatch_uid="kosha-sqlite-params-limit")
