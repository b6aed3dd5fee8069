"""Tool results checked against their output schemas with one validator per tool, not one per call.

The MCP client (`mcp.ClientSession._validate_tool_result`) validates every structured result with
`jsonschema.validate()`, which first checks the tool's *schema* against the 2020-12 metaschema: measured
at 40-100 ms of CPU per call on this 2-core machine under load (the result itself: 2-4 ms), on the
event loop, for every call. A 5,000-pod sweep makes ~110 calls; that was the largest cost left in it.

`cache_schema_checks(session)` makes a session build a tool's validator (checking its schema) once and
reuse it. Results that pass are exactly those that pass the client's own check; anything else --
an invalid result, a bad schema, a tool it has not listed yet -- goes to the client's own method,
so failures keep its messages and its behaviour. A client without that method is left alone."""

from __future__ import annotations

from typing import Any


def cache_schema_checks(session: Any) -> None:
    from jsonschema import SchemaError, validators  # the MCP client imports them at its first call, too
    from jsonschema.exceptions import best_match
    from referencing import Registry

    original = getattr(session, "_validate_tool_result", None)
    if original is None or not isinstance(getattr(session, "_tool_output_schemas", None), dict):
        return
    built: dict[str, tuple[dict[str, Any], Any]] = {}  # tool -> (the schema it was built for, validator)

    async def validate_tool_result(name: str, result: Any) -> None:
        schema = session._tool_output_schemas.get(name)
        content = getattr(result, "structuredContent", None)
        if schema is None or content is None:  # not listed yet (the client refreshes), no schema, or no content
            await original(name, result)
            return
        cached = built.get(name)
        if cached is None or cached[0] is not schema:  # a re-listed tool brings a new schema object
            cls = validators.validator_for(schema)
            try:
                cls.check_schema(schema)
            except SchemaError:
                await original(name, result)  # raises the client's "Invalid schema" error
                return
            # An empty registry, as the client uses: $refs resolve within the schema document only.
            cached = built[name] = (schema, cls(schema, registry=Registry()))
        try:
            failed = best_match(cached[1].iter_errors(content)) is not None
        except Exception:  # an unresolvable $ref and the like: the client says it its own way
            failed = True
        if failed:
            await original(name, result)

    session._validate_tool_result = validate_tool_result
