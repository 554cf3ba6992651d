"""Query parameters in the API schema: what the API does with an empty one."""

from typing import Any


def empty_query_values_hook(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """drf-spectacular POSTPROCESSING_HOOKS entry: every optional query parameter of the API
    says `allowEmptyValue: true`, because the API reads an empty one (`?limit=`, `?sort=`,
    `?type=`) as an absent one: the default page size, the first page, no filter (README,
    The API). Without it the schema claimed an empty `limit` is not an integer, so a
    schema-valid client could not send one and a contract test expected a 400 the API
    never answers (OpenAPI 3.0.3, Parameter Object: allowEmptyValue, query only)."""
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
    return result
