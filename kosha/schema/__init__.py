"""The API schema (drf-spectacular) made exact: request bodies as the API parses them
(`bodies`), and each operation's error answers (`errors`)."""

from kosha.schema.bodies import InputAutoSchema
from kosha.schema.errors import ERROR_STATUSES, error_responses_hook

__all__ = ["ERROR_STATUSES", "InputAutoSchema", "error_responses_hook"]
