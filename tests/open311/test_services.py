"""Open311 GeoReport v2: discovery, services and service definitions, in JSON and XML, checked
against the published JSON schemas beside the project."""

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.test import Client
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SCHEMAS = Path(__file__).resolve().parents[3] / "shared" / "open311-schema"
needs_schemas = pytest.mark.skipif(
    not SCHEMAS.exists(), reason="the published schemas are not beside the project"
)
pytestmark = pytest.mark.django_db


def validate(document, name: str) -> None:
    registry = Registry().with_resources(
        (p.name, Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT7))
        for p in SCHEMAS.glob("*.json")
    )
    schema = json.loads((SCHEMAS / name).read_text())
    errors = list(Draft7Validator(schema, registry=registry).iter_errors(document))
    assert not errors, errors[:3]


@needs_schemas
def test_every_taxonomy_leaf_is_a_service_and_the_list_follows_the_schema(client: Client) -> None:
    services = client.get("/open311/v2/services.json").json()
    validate(services, "services.json")
    assert (
        len(services) == 60
        and services[0]["service_code"] == "01.01"
        and services[0]["group"] == "城市管理"
    )


@needs_schemas
def test_a_service_definition_follows_the_schema(client: Client) -> None:
    definition = client.get("/open311/v2/services/04.03.json").json()
    validate(definition, "service-definition.json")
    assert [a["code"] for a in definition["attributes"]] == [
        "order_type",
        "urgency",
        "confidential",
    ]


def test_the_same_documents_come_as_xml(client: Client) -> None:
    response = client.get("/open311/v2/services.xml")
    assert response["Content-Type"].startswith("text/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "services" and len(root.findall("service")) == 60
    assert root.find("service/metadata").text == "true"
    definition = ElementTree.fromstring(client.get("/open311/v2/services/04.03.xml").content)
    assert definition.find("service_code").text == "04.03"
    assert [
        v.find("key").text
        for v in definition.findall("attributes/attribute")[1].findall("values/value")
    ] == ["normal", "urgent", "critical"]


def test_discovery_names_the_endpoint_and_both_formats(client: Client) -> None:
    discovery = client.get("/open311/v2/discovery.json").json()
    [endpoint] = discovery["endpoints"]
    assert endpoint["url"].endswith("/open311/v2/") and set(endpoint["formats"]) == {
        "text/xml",
        "application/json",
    }
    assert (
        ElementTree.fromstring(client.get("/open311/v2/discovery.xml").content)
        .find("endpoints/endpoint/type")
        .text
        == "production"
    )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_is_a_404_in_the_specifications_error_format(
    client: Client, fmt
) -> None:
    response = client.get(f"/open311/v2/services/99.99.{fmt}")
    assert response.status_code == 404
    if fmt == "json":
        assert response.json() == [{"code": 404, "description": "service_code 99.99 not found"}]
    else:
        assert ElementTree.fromstring(response.content).find("error/code").text == "404"
