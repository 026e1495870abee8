"""The OpenAPI 3 document, generated from the registered API operations."""

from __future__ import annotations

import re

from flask import jsonify
from wtforms import (
    BooleanField,
    DateField,
    DateTimeField,
    DecimalField,
    FloatField,
    IntegerField,
    SelectMultipleField,
)

from rikscha.api.registry import OPERATIONS, api_route

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            "required": ["code", "message"],
        }
    },
}


def _choice_values(field) -> list[str]:
    return [choice.value for choice in field.choices]


def _field_schema(field) -> dict:
    if isinstance(field, BooleanField):
        return {"type": "boolean"}
    if isinstance(field, IntegerField):
        return {"type": "integer"}
    if isinstance(field, (DecimalField, FloatField)):
        return {"type": "number"}
    if isinstance(field, DateTimeField):
        return {"type": "string", "format": "date-time"}
    if isinstance(field, DateField):
        return {"type": "string", "format": "date"}
    if isinstance(field, SelectMultipleField):
        return {"type": "array", "items": {"type": "string", "enum": _choice_values(field)}}
    schema = {"type": "string"}
    if getattr(field, "choices", None):
        schema["enum"] = _choice_values(field)
    return schema


def _form_schema(form_class) -> dict:
    form = form_class(meta={"csrf": False}, formdata=None)
    properties, required = {}, []
    for field in form:
        if field.type in ("CSRFTokenField", "SubmitField", "HiddenField"):
            continue
        properties[field.name] = {**_field_schema(field), "description": str(field.label.text)}
        if field.flags.required:
            required.append(field.name)
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _simple_schema(fields: dict) -> dict:
    return {"type": "object", "properties": {k: {"type": v} for k, v in fields.items()}}


def build_document() -> dict:
    paths: dict = {}
    for op in OPERATIONS:
        path = "/api/v1" + _PARAM.sub(r"{\2}", op.path)
        parameters = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "integer" if conv == "int" else "string"},
            }
            for conv, name in _PARAM.findall(op.path)
        ]
        parameters += [
            {"name": name, "in": "query", "required": False, "schema": {"type": typ}, "description": desc}
            for name, typ, desc in op.query
        ]
        responses = {
            str(status): {
                "description": "OK",
                "content": {
                    "application/json": {"schema": _simple_schema(body) if isinstance(body, dict) else body}
                },
            }
            for status, body in (op.responses or {200: {}}).items()
        }
        for status, text in (
            (400, "Bad request"),
            (401, "Not authenticated"),
            (403, "Forbidden"),
            (404, "Not found"),
            (409, "Conflict"),
            (422, "Invalid input"),
        ):
            responses.setdefault(
                str(status),
                {
                    "description": text,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            )
        operation = {
            "summary": op.summary,
            "tags": [op.tag],
            "operationId": f"{op.method}_{path}".replace("/", "_").replace("{", "").replace("}", ""),
            "parameters": parameters,
            "responses": responses,
            "x-roles": list(op.roles) if op.roles is not None else ["public"],
        }
        if op.roles is not None:
            operation["security"] = [{"bearer": []}]
        if op.form is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _form_schema(op.form)}},
            }
        paths.setdefault(path, {})[op.method] = operation
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Rikscha API",
            "version": "1.0.0",
            "description": "Rides, fleet and quarter services of a neighbourhood office.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": _ERROR_SCHEMA},
        },
    }


@api_route("/openapi.json", "GET", summary="This document", roles=None, tag="meta")
def openapi_document():
    return jsonify(build_document())
