"""docs/openapi.json describes exactly the routes the template declares, and is not stale."""

from local_stack.template import load_document
from scripts import openapi


def _template_routes() -> set[tuple[str, str]]:
    document = load_document(openapi.ROOT / "template.yaml")
    routes = set()
    for resource in document["Resources"].values():
        for event in (resource.get("Properties") or {}).get("Events", {}).values():
            if event.get("Type") == "HttpApi":
                routes.add((event["Properties"]["Method"].lower(), event["Properties"]["Path"]))
    return routes


def test_the_openapi_document_in_the_repository_is_current():
    assert openapi.DOCUMENT.read_text(encoding="utf-8") == openapi.render(), (
        "docs/openapi.json is stale: run `.venv/bin/python -m scripts.openapi`"
    )


def test_the_openapi_document_has_exactly_the_templates_routes():
    document = openapi.build()
    documented = {(method, path) for path, operations in document["paths"].items() for method in operations}
    assert documented == _template_routes()
    for (method, path) in documented:
        operation = document["paths"][path][method]
        assert ("security" in operation) == ((method, path) not in openapi.PUBLIC_ROUTES)
        if (method, path) in openapi.HOOK_ROUTES:  # Procore's deliveries: the hook's secret, not a user JWT
            assert operation["security"] == [{"ProcoreHookSecret": []}]
