"""`python -m scripts.openapi`: writes docs/openapi.json, the OpenAPI document of every HTTP route.

Each function's Powertools resolver describes its own routes (parameters, bounds, the 422 of
a bad parameter); this merges them into one document, adds the JWT bearer scheme that the HTTP
API's authorizer enforces on every route but the OAuth callback, and sorts it so a diff shows
real changes. A test fails when the file in the repository is stale.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "openapi.json"
PUBLIC_ROUTES = {("get", "/integrations/procore/callback")}  # Procore sends the browser here
HOOK_ROUTES = {("post", "/integrations/procore/webhooks")}  # Procore's deliveries carry the hook's secret


def build() -> dict[str, Any]:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for app_file in sorted((ROOT / "functions").glob("*/app.py")):
        module = importlib.import_module(f"functions.{app_file.parent.name}.app")
        resolver = getattr(module, "app", None)
        if not isinstance(resolver, APIGatewayHttpResolver):
            continue
        document = json.loads(resolver.get_openapi_json_schema(title="Procore integration", version="1"))
        for path, operations in document.get("paths", {}).items():
            for method, operation in operations.items():
                operation["tags"] = [app_file.parent.name]
                if (method, path) in HOOK_ROUTES:
                    operation["security"] = [{"ProcoreHookSecret": []}]
                elif (method, path) not in PUBLIC_ROUTES:
                    operation["security"] = [{"PalcodeJwt": []}]
                paths.setdefault(path, {})[method] = operation
        schemas.update(document.get("components", {}).get("schemas", {}))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Palcode.ai Procore integration",
            "version": "1",
            "description": "Connect a Palcode.ai user to Procore and read what was synced. "
                           "The caller is always the JWT's `sub`.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "PalcodeJwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "ProcoreHookSecret": {"type": "http", "scheme": "bearer",
                                      "description": "the Authorization value we set on the Procore hook"},
            },
        },
    }


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=False) + "\n"


def main() -> int:
    sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "common")]
    DOCUMENT.write_text(render(), encoding="utf-8")
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
