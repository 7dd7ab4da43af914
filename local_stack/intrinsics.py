"""CloudFormation intrinsic functions, resolved against local values.

`Resolver` turns long-form intrinsics (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`, `Fn::If`,
`Fn::Select`, `Fn::Split`, `Fn::FindInMap`, conditions, ...) into plain values, given the
parameter values, the pseudo parameters of the local account and the physical ids and
attributes of the resources the local stack created. Anything it cannot resolve raises
`UnresolvedIntrinsicError` rather than leaking a dict into an environment variable.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from local_stack.errors import UnresolvedIntrinsicError

MOTO_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_NO_VALUE = object()


@dataclass(frozen=True)
class PhysicalResource:
    """What a local resource answers to `Ref` and to `Fn::GetAtt`."""

    ref: Any
    attributes: Mapping[str, Any] = field(default_factory=dict)


def is_intrinsic(value: Any) -> bool:
    """True for a one-key dict whose key is `Ref`, `Condition` or `Fn::...`."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = next(iter(value))
    return key in ("Ref", "Condition") or key.startswith("Fn::")


def references(value: Any) -> set[str]:
    """Names a value refers to through `Ref`, `Fn::GetAtt` and `Fn::Sub` (no pseudo parameters)."""
    found: set[str] = set()
    _collect_references(value, found)
    return {name for name in found if not name.startswith("AWS::")}


def _collect_references(value: Any, found: set[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _collect_references(item, found)
        return
    if not isinstance(value, dict):
        return
    if is_intrinsic(value):
        key, argument = next(iter(value.items()))
        if key == "Ref" and isinstance(argument, str):
            found.add(argument)
            return
        if key == "Fn::GetAtt" and isinstance(argument, list) and argument:
            found.add(str(argument[0]))
            return
        if key == "Fn::Sub":
            text, variables = (
                (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
            )
            for name in _SUB_VARIABLE.findall(text):
                if not name.startswith("!") and name.split(".", 1)[0] not in variables:
                    found.add(name.split(".", 1)[0])
            _collect_references(variables, found)
            return
    for item in value.values():
        _collect_references(item, found)


class Resolver:
    """Resolves intrinsics for one local deployment; resources can be added as they are made."""

    def __init__(
        self,
        parameters: Mapping[str, Any],
        resources: Mapping[str, PhysicalResource] | None = None,
        *,
        conditions: Mapping[str, Any] | None = None,
        mappings: Mapping[str, Any] | None = None,
        region: str = DEFAULT_REGION,
        account_id: str = MOTO_ACCOUNT_ID,
        stack_name: str = "procore-local",
    ) -> None:
        self.parameters = dict(parameters)
        self.resources: dict[str, PhysicalResource] = dict(resources or {})
        self.conditions = dict(conditions or {})
        self.mappings = dict(mappings or {})
        self.region = region
        self.account_id = account_id
        self.stack_name = stack_name
        self._condition_cache: dict[str, bool] = {}

    def add(self, logical_id: str, resource: PhysicalResource) -> None:
        self.resources[logical_id] = resource

    def physical(self, logical_id: str) -> PhysicalResource:
        try:
            return self.resources[logical_id]
        except KeyError:
            raise UnresolvedIntrinsicError(f"no local resource {logical_id}") from None

    def pseudo_parameters(self) -> dict[str, Any]:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/"
                f"{self.stack_name}/00000000-0000-0000-0000-000000000000"
            ),
            "AWS::NotificationARNs": [],
        }

    def resolve(self, value: Any) -> Any:
        """Resolve every intrinsic inside `value`; `AWS::NoValue` entries are dropped."""
        result = self._resolve(value)
        if result is _NO_VALUE:
            return None
        return result

    def condition(self, name: str) -> bool:
        """Evaluate a named condition of the template."""
        if name not in self._condition_cache:
            if name not in self.conditions:
                raise UnresolvedIntrinsicError(f"unknown condition {name}")
            self._condition_cache[name] = bool(self._resolve(self.conditions[name]))
        return self._condition_cache[name]

    def is_active(self, condition: str | None) -> bool:
        """Whether a resource guarded by `condition` (or by none) exists in this deployment."""
        return condition is None or self.condition(condition)

    # ------------------------------------------------------------------ internals

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self._resolve(item) for item in value]
            return [item for item in items if item is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if is_intrinsic(value):
            key, argument = next(iter(value.items()))
            return self._intrinsic(key, argument)
        resolved = {key: self._resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not _NO_VALUE}

    def _intrinsic(self, key: str, argument: Any) -> Any:
        handler = _HANDLERS.get(key)
        if handler is None:
            raise UnresolvedIntrinsicError(f"{key} cannot be resolved locally")
        return handler(self, argument)

    def _ref(self, name: Any) -> Any:
        if name == "AWS::NoValue":
            return _NO_VALUE
        pseudo = self.pseudo_parameters()
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            return self.resources[name].ref
        raise UnresolvedIntrinsicError(f"Ref {name} has no local value")

    def _get_att(self, argument: Any) -> Any:
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        logical_id, attribute = (self._resolve(part) for part in argument)
        attributes = self.physical(str(logical_id)).attributes
        if attribute not in attributes:
            raise UnresolvedIntrinsicError(f"GetAtt {logical_id}.{attribute} has no local value")
        return attributes[attribute]

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {name: self._resolve(item) for name, item in dict(variables).items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in values:
                value = values[name]
            elif "." in name and name not in self.parameters:
                value = self._get_att(name.split(".", 1))
            else:
                value = self._ref(name)
            if isinstance(value, list | dict) or value is _NO_VALUE:
                raise UnresolvedIntrinsicError(f"Fn::Sub variable {name} is not a string")
            return _text(value)

        return _SUB_VARIABLE.sub(replace, str(text))

    def _join(self, argument: Any) -> str:
        delimiter, items = argument
        resolved = self._resolve(items)
        if not isinstance(resolved, list) or any(isinstance(i, list | dict) for i in resolved):
            raise UnresolvedIntrinsicError("Fn::Join needs a list of strings")
        return str(delimiter).join(_text(item) for item in resolved)

    def _select(self, argument: Any) -> Any:
        index, items = (self._resolve(part) for part in argument)
        if not isinstance(items, list):
            raise UnresolvedIntrinsicError("Fn::Select needs a list")
        try:
            return items[int(index)]
        except (IndexError, ValueError) as exc:
            raise UnresolvedIntrinsicError(f"Fn::Select index {index} is out of range") from exc

    def _split(self, argument: Any) -> list[str]:
        delimiter, text = (self._resolve(part) for part in argument)
        return str(text).split(str(delimiter))

    def _if(self, argument: Any) -> Any:
        name, when_true, when_false = argument
        return self._resolve(when_true if self.condition(name) else when_false)

    def _equals(self, argument: Any) -> bool:
        left, right = (self._resolve(part) for part in argument)
        return _comparable(left) == _comparable(right)

    def _find_in_map(self, argument: Any) -> Any:
        name, top, second, *rest = (self._resolve(part) for part in argument)
        try:
            return self.mappings[name][top][second]
        except KeyError:
            if rest and isinstance(rest[0], dict) and "DefaultValue" in rest[0]:
                return rest[0]["DefaultValue"]
            raise UnresolvedIntrinsicError(
                f"Fn::FindInMap {name}/{top}/{second} not found"
            ) from None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _comparable(value: Any) -> Any:
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    return value if isinstance(value, dict) else _text(value)


_HANDLERS: dict[str, Any] = {
    "Ref": Resolver._ref,
    "Condition": Resolver.condition,
    "Fn::GetAtt": Resolver._get_att,
    "Fn::Sub": Resolver._sub,
    "Fn::Join": Resolver._join,
    "Fn::Select": Resolver._select,
    "Fn::Split": Resolver._split,
    "Fn::If": Resolver._if,
    "Fn::Equals": Resolver._equals,
    "Fn::Not": lambda self, arg: not self._resolve(arg[0]),
    "Fn::And": lambda self, arg: all(self._resolve(item) for item in arg),
    "Fn::Or": lambda self, arg: any(self._resolve(item) for item in arg),
    "Fn::FindInMap": Resolver._find_in_map,
    "Fn::Base64": lambda self, arg: base64.b64encode(str(self._resolve(arg)).encode()).decode(),
    "Fn::GetAZs": lambda self, arg: [f"{self.region}{zone}" for zone in "abc"],
    "Fn::ToJsonString": lambda self, arg: json.dumps(self._resolve(arg), separators=(",", ":")),
    "Fn::Length": lambda self, arg: len(self._resolve(arg)),
}
