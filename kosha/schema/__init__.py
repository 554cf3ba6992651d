"""The API schema (drf-spectacular) made exact: request bodies as the API parses them
(`bodies`), each operation's error answers (`errors`), and what an empty query parameter means
(`parameters`)."""

from kosha.schema.bodies import InputAutoSchema, blank_alternatives_hook
from kosha.schema.errors import ERROR_STATUSES, error_responses_hook
from kosha.schema.parameters import empty_query_values_hook

__all__ = [
    "ERROR_STATUSES",
    "InputAutoSchema",
    "blank_alternatives_hook",
    "empty_query_values_hook",
    "error_responses_hook",
]
