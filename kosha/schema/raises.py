"""Which domain errors a view can answer, read from the code rather than kept by hand.

`raised_by(handler)` walks the handler's source and, through every call it can resolve
to a function of the project, the code it reaches: each `raise SomeError(...)` whose
name resolves to a DomainError subclass counts, as does an error a called helper
returns (`raise _folder_not_found(field)`) or builds (`StoreUnavailable.caused_by`: the
kind and its sub-errors). A call into the storage backends adds StoreUnavailable, which
kosha.api answers for any BackendError. The walk over-approximates (a branch that cannot
run for this view still counts) and never under-approximates what it can resolve; a call
through a value it cannot name (a variable, a parameter) is not followed. Schema
generation only: about 0.2 s for the whole API, cached per function.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
import types
from typing import Any

from kosha.errors import DomainError, StoreUnavailable

_PROJECT = ("accounts", "activity", "kosha", "notifications", "plans", "sharing", "storage")
_BACKENDS = "storage.backends"


def raised_by(handler: Any, *, owner: type | None = None) -> frozenset[type[DomainError]]:
    """The DomainError classes `handler` (a view method; `owner` its class, for `self.x`
    calls) can raise, directly or through the project code it calls."""
    found: set[type[DomainError]] = set()
    _walk(handler, owner, found, set())
    if StoreUnavailable in found:  # kosha.api answers a store failure by its kind
        found |= _subclasses(StoreUnavailable)
    return frozenset(found)


def calls(handler: Any, target: Any, *, owner: type | None = None) -> bool:
    """Whether `handler` itself calls `target` (a call in its own source that resolves to
    it; the code it calls is not searched)."""
    function = inspect.unwrap(handler)
    if not isinstance(function, types.FunctionType):
        return False
    return any(callee is target for callee, _ in _callees(function, owner))


def _walk(function: Any, owner: type | None, found: set, seen: set) -> None:
    function = inspect.unwrap(function)
    if not isinstance(function, types.FunctionType) or function in seen:
        return
    seen.add(function)
    module = function.__module__ or ""
    if module.startswith(_BACKENDS):
        found.add(StoreUnavailable)
        return
    if not module.startswith(_PROJECT):
        return
    found |= _own_raises(function, owner)
    for callee, callee_owner in _callees(function, owner):
        _walk(callee, callee_owner, found, seen)


@functools.cache
def _tree(function: types.FunctionType) -> ast.AST | None:
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return None


def _own_raises(function: types.FunctionType, owner: type | None) -> set[type[DomainError]]:
    found: set[type[DomainError]] = set()
    for node in ast.walk(_tree(function) or ast.Module(body=[], type_ignores=[])):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            found |= _errors_named(_resolve(target, function, owner))
            if isinstance(target, ast.Name):  # `raise refusal`: what the name was given
                found |= _errors_held(target.id, function)
    return found


def _errors_held(name: str, function: types.FunctionType) -> set[type[DomainError]]:
    """The errors a local name can hold: its parameter annotation (`not_found: NotFound`)
    or what the calls assigned to it return (`refusal = _refusal(...)`)."""
    found: set[type[DomainError]] = set()
    annotation = function.__annotations__.get(name)
    for part in str(annotation or "").replace(" ", "").split("|"):
        found |= _errors_named(function.__globals__.get(part))
    for node in ast.walk(_tree(function) or ast.Module(body=[], type_ignores=[])):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            if any(isinstance(target, ast.Name) and target.id == name for target in node.targets):
                found |= _errors_named(_resolve(node.value.func, function, None))
    return found


def _errors_named(value: Any) -> set[type[DomainError]]:
    """The errors an expression after `raise` stands for."""
    if inspect.isclass(value) and issubclass(value, DomainError):
        return {value}
    bound_to = getattr(value, "__self__", None)  # Kind.caused_by: the kind or any sub-error
    if inspect.isclass(bound_to) and issubclass(bound_to, DomainError):
        return {bound_to, *_subclasses(bound_to)}
    if isinstance(value, types.FunctionType):
        return _returned_errors(inspect.unwrap(value))
    return set()


def _returned_errors(function: types.FunctionType) -> set[type[DomainError]]:
    """The errors a helper builds and returns (`return NotFound(...)`)."""
    found: set[type[DomainError]] = set()
    for node in ast.walk(_tree(function) or ast.Module(body=[], type_ignores=[])):
        if isinstance(node, ast.Return) and node.value is not None:  # `x if ok else ReadOnly(...)` too
            for call in (part for part in ast.walk(node.value) if isinstance(part, ast.Call)):
                value = _resolve(call.func, function, None)
                if inspect.isclass(value) and issubclass(value, DomainError):
                    found.add(value)
    return found


def _subclasses(kind: type) -> set[type]:
    return {sub for direct in kind.__subclasses__() for sub in (direct, *_subclasses(direct))}


def _callees(function: types.FunctionType, owner: type | None):
    for node in ast.walk(_tree(function) or ast.Module(body=[], type_ignores=[])):
        if not isinstance(node, ast.Call):
            continue
        value = _resolve(node.func, function, owner)
        if inspect.isclass(value) and not issubclass(value, BaseException):
            # A class called: its __init__ and, for a serializer, what validates it.
            for name in ("__init__", "is_valid", "validate", "to_internal_value"):
                member = inspect.getattr_static(value, name, None)
                member = getattr(member, "__func__", member)
                if isinstance(member, types.FunctionType):
                    yield member, value
        elif value is not None:
            value = getattr(value, "__func__", value)
            yield value, owner if _is_self_call(node.func) else _owner_of(value)


def _is_self_call(expression: ast.expr) -> bool:
    receiver = expression.value if isinstance(expression, ast.Attribute) else None
    return isinstance(receiver, ast.Name) and receiver.id in ("self", "cls")


def _owner_of(value: Any) -> type | None:
    bound_to = getattr(value, "__self__", None)
    return bound_to if inspect.isclass(bound_to) else None


def _resolve(expression: ast.expr, function: types.FunctionType, owner: type | None) -> Any:
    """What a name or dotted name in `function` refers to, where it can be known."""
    if isinstance(expression, ast.Name):
        if expression.id in ("self", "cls"):
            return owner
        closure = dict(zip(function.__code__.co_freevars, function.__closure__ or (), strict=False))
        if expression.id in closure:
            try:
                return closure[expression.id].cell_contents
            except ValueError:
                return None
        return function.__globals__.get(expression.id, getattr(__builtins__, expression.id, None))
    if isinstance(expression, ast.Attribute):
        base = _resolve(expression.value, function, owner)
        if isinstance(base, types.ModuleType) or inspect.isclass(base):
            return getattr(base, expression.attr, None)
    return None
