"""The API's OpenAPI description (served at ``/openapi.json``), written by hand to say what each field means."""
from __future__ import annotations

from typing import Any

__all__ = ["openapi_schema"]


def _error(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(description: str, ref: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}


_JOB_ID = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}
_UNAUTHORISED = _error("missing or wrong bearer token (when the server has one)")
_NO_JOB = _error("unknown or expired job")


def openapi_schema(version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the server."""
    solve_body = {
        "type": "object",
        "description": "Either 'instance' or 'cut_list' with 'stock'.",
        "properties": {
            "instance": {"type": "object", "description": "an instance as its JSON file holds it "
                                                          "(binpack2d, tsp, or a plugin's problem)"},
            "cut_list": {"type": "string", "description": "pieces as CSV: name,width,height,count[,rotation]"},
            "stock": {"type": "string", "description": "stock sheets as CSV: name,width,height[,cost,count]"},
            "options": {"type": "object", "properties": {
                "kerf": {"type": "integer", "minimum": 0},
                "trim": {"oneOf": [{"type": "integer"}, {"type": "object"}],
                         "description": "one number for all edges, or {left, right, bottom, top}"},
                "stages": {"oneOf": [{"type": "integer", "enum": [2, 3]}, {"type": "string", "enum": ["unlimited"]}],
                           "description": "guillotine stages; absent: free placement"},
                "first_cut": {"type": "string", "enum": ["horizontal", "vertical", "any"]},
                "exact": {"type": "boolean"},
                "allow_rotation": {"type": "boolean", "description": "default for pieces without 'rotation'"},
                "name": {"type": "string"}}},
            "time_limit": {"type": "number", "exclusiveMinimum": 0,
                           "description": "seconds of wall time (capped by the server's --max-time-limit)"},
            "method": {"type": "string", "description": "a name from GET /methods/{problem}"},
            "seed": {"type": "integer", "minimum": 0},
        },
    }
    result = {
        "type": "object",
        "properties": {
            "job": {"type": "string"},
            "solution": {"type": "object", "description": "the solution file `nnopt solve --out` writes"},
            "objective": {"type": "number"}, "lower_bound": {"type": "number"},
            "status": {"type": "string", "enum": ["optimal", "budget", "heuristic", "interrupted"]},
            "verified": {"type": "boolean"}, "seconds": {"type": "number"},
            "sheets": {"type": "array", "description": "cut lists: per sheet its stock, cost, use % and waste",
                       "items": {"type": "object"}},
        },
    }
    job = {"type": "object", "properties": {
        "job": {"type": "string"},
        "status": {"type": "string", "enum": ["queued", "running", "done", "failed", "cancelled"]},
        "objective": {"type": ["number", "null"], "description": "best so far"},
        "lower_bound": {"type": ["number", "null"]}, "result_status": {"type": "string"},
        "solution": {"type": "object"}, "error": {"type": "string"}}}
    download = {"parameters": [_JOB_ID], "responses": {"200": {"description": "the file"}, "401": _UNAUTHORISED,
                                                        "404": _error("unknown job, or no such plan")}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "nnopt serve", "version": version,
                 "description": "Solve packing, cutting and routing instances with warm solver processes."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "properties": {"error": {"type": "string"}},
                                  "required": ["error"]},
                        "SolveRequest": solve_body, "SolveResult": result, "Job": job},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/solve": {"post": {
                "summary": "Solve an instance or a cut list (?async=1: answer a job id at once)",
                "parameters": [{"name": "async", "in": "query", "schema": {"type": "string", "enum": ["1"]}}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/SolveRequest"}}}},
                "responses": {"200": _json("the verified result", "#/components/schemas/SolveResult"),
                              "202": {"description": "queued: {job, status}"},
                              "400": _error("a bad instance, cut list or option (one line naming it)"),
                              "401": _UNAUTHORISED, "413": _error("body over --max-body-bytes"),
                              "429": _error("the queue is full (--max-queue)")}}},
            "/jobs/{job_id}": {
                "get": {"summary": "A job's status, best objective so far, and its solution once done",
                        "parameters": [_JOB_ID],
                        "responses": {"200": _json("the job", "#/components/schemas/Job"), "401": _UNAUTHORISED,
                                      "404": _NO_JOB}},
                "delete": {"summary": "Stop a job, keeping its best solution so far",
                           "parameters": [_JOB_ID],
                           "responses": {"200": _json("the stopped job", "#/components/schemas/Job"),
                                         "401": _UNAUTHORISED, "404": _NO_JOB}}},
            "/jobs/{job_id}/events": {"get": {
                "summary": "Progress as server-sent events: 'progress' (objective, lower_bound, seconds) on each "
                           "improvement, then 'done' with the job",
                "parameters": [_JOB_ID],
                "responses": {"200": {"description": "text/event-stream"}, "401": _UNAUTHORISED, "404": _NO_JOB}}},
            "/jobs/{job_id}/plan.svg": {"get": {"summary": "The plan as SVG", **download}},
            "/jobs/{job_id}/plan.pdf": {"get": {"summary": "The printable plan (PDF)", **download}},
            "/jobs/{job_id}/cuts.csv": {"get": {"summary": "The guillotine cut sequence (CSV)", **download}},
            "/health": {"get": {"summary": "Workers, busy workers, queued jobs",
                                "responses": {"200": {"description": "ok"}}}},
            "/problems": {"get": {"summary": "The registered problems", "responses": {"200": {"description": "ok"}}}},
            "/methods/{problem}": {"get": {
                "summary": "The methods that solve a problem",
                "parameters": [{"name": "problem", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok"}, "404": _error("unknown problem")}}},
        },
    }
