"""How large a value a post template may build: refused before it is built, not after memory runs out.

The compose deadline stops a template that loops too long, but not one C call
that allocates gigabytes at once (``'x'.ljust(10**10)``, a string doubled
twenty times with ``~``, ``'%9999999999s'|format(x)``, ``[x]|batch(10**9, x)``):
the process is killed by the kernel's out-of-memory killer before any deadline
fires, and with it every account's posts and the desk. So every operation a
template can grow a value with is checked against a budget before it runs:

- concatenation (``~``, ``+``, ``*``, ``%``, ``join``, ``replace``, ``format``,
  ``append``): the size of the result is known from the sizes of the parts
  (``str.count`` for ``replace``), so it is computed first and refused when
  over budget;
- widths and counts (``ljust``, ``center``, ``indent``, ``batch``, a format
  spec's width): a number above the budget is refused;
- every result of a call or filter, and the rendered output as it streams, is
  measured too, so a way nobody listed still stops at the budget.

The budget of one render is ``MAX_TEMPLATE_VALUE`` characters plus four times
the size of what the template was given (a long headline stays usable).
Written by hand: Jinja2's sandbox bounds ``range`` only, and no library bounds
the rest.
"""

from __future__ import annotations

import re
import string
import threading
from typing import Any, Callable

from jinja2.exceptions import SecurityError
from jinja2.utils import _PassArg, pass_context

MAX_TEMPLATE_VALUE = 100_000  # characters (or items) beyond what the template was given
INPUT_COPIES = 4  # a template may use what it was given this many times over (the headline twice, upper-cased...)
# printf widths and precisions, as ``%`` and the ``format`` filter read them: %-10s, %08.3f, %*s
_PRINTF_NUMBER = re.compile(r"%[#0 +\-]*(\d+|\*)?(?:\.(\d+|\*))?")
_DIGITS = re.compile(r"\d+")
# str methods whose integer argument is a width (how long the result is); container methods that grow it
_WIDTH_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})
_GROWING_METHODS = frozenset({"append", "extend", "insert", "update", "add", "setdefault"})


class _Budget(threading.local):
    chars: int = MAX_TEMPLATE_VALUE


_budget = _Budget()


def set_budget(context: dict[str, Any]) -> None:
    """The budget of the render about to start in this thread: the allowance plus what the template is given."""
    _budget.chars = MAX_TEMPLATE_VALUE + INPUT_COPIES * weight(list(context.values()), limit=10**9)


def budget() -> int:
    return _budget.chars


def weight(value: Any, limit: int | None = None) -> int:
    """About how many characters ``value`` prints as: strings their length, containers what they hold.

    A list holding one long string 100,000 times prints 100,000 copies of it,
    so shared items count every time they appear. Stops counting past ``limit``
    (the budget), so it costs at most that many steps, self-references included.
    """
    if isinstance(value, str):  # the usual case, first
        return len(value)
    if value is None or isinstance(value, (bool, float)):
        return 1
    limit = budget() if limit is None else limit
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            total += len(item)
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += len(item) + 1
            stack.extend(item)
        elif isinstance(item, dict):
            total += len(item) + 1
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, int) and not isinstance(item, bool):
            total += max(1, item.bit_length() * 3 // 10)  # about its decimal digits, without printing it
        else:
            total += 1
    return total


def _refuse(what: str) -> SecurityError:
    return SecurityError(f"the template {what}, longer than the {budget():,} characters a post template may build")


def check_result(value: Any, what: str = "builds a value") -> Any:
    if (len(value) if isinstance(value, str) else weight(value)) > _budget.chars:
        raise _refuse(what)
    return value


def _check_numbers(args: tuple, kwargs: dict, what: str) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > budget():
            raise _refuse(f"asks {what} for {value:,}")


def check_concat(parts: tuple | list, what: str = "joins a value") -> None:
    if weight(list(parts)) > budget():
        raise _refuse(what)


def check_repeat(left: Any, right: Any) -> None:
    """``left * right``: a sequence repeated (its weight times the count)."""
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and not isinstance(times, bool):
            if times > 0 and weight(seq) * times > budget():
                raise _refuse("builds a value with *")


def check_join(items: Any, separator: Any) -> None:
    if isinstance(items, (str, list, tuple)):
        check_concat(items if isinstance(items, list) else list(items), "joins a value")
        if len(items) > 1 and isinstance(separator, str) and len(separator) * (len(items) - 1) > budget():
            raise _refuse("joins a value")


def check_replace(text: Any, old: Any, new: Any) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str) and len(new) > len(old):
        times = text.count(old) if old else len(text) + 1
        if len(text) + times * (len(new) - len(old)) > budget():
            raise _refuse("replaces its way to a value")


def check_format_spec(template: Any, values: tuple = ()) -> None:
    """Widths in a ``str.format`` template above the budget are refused.

    Written in it (``{:>9999999}``) or taken from ``values`` by a nested field (``{:{}}``).
    """
    if not isinstance(template, str):
        return
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return  # the format call itself says what is wrong
    for _literal, _name, spec, _conversion in fields:
        if spec and any(int(n) > budget() for n in _DIGITS.findall(spec)):
            raise _refuse("asks a format for too wide a field")
        if spec and "{" in spec:  # a nested field: the width is one of the values
            _check_numbers(values, {}, "a format")


def check_printf(template: Any, args: Any) -> None:
    """``template % args`` (and the ``format`` filter): widths, and the parts it joins."""
    if not isinstance(template, str):
        return
    for match in _PRINTF_NUMBER.finditer(template):
        if any(n and n != "*" and int(n) > budget() for n in match.groups()):
            raise _refuse("asks a format for too wide a field")
    values = args if isinstance(args, tuple) else tuple(args.values()) if isinstance(args, dict) else (args,)
    if "*" in template:  # the width comes from the arguments
        _check_numbers(values, {}, "a format")
    check_concat((template, *values), "formats a value")


def checked_join(parts) -> str:
    """``"".join(parts)`` (a template's output, a block's, a macro's), refused as soon as it passes the budget."""
    limit = budget()
    if isinstance(parts, list):  # a block's buffer: measured in one pass before joining
        if sum(map(len, parts)) > limit:
            raise _refuse("writes out more")
        return "".join(parts)
    kept, total = [], 0
    append = kept.append
    for part in parts:  # the output as it streams: stopped at the budget, not at the end
        total += len(part)
        if total > limit:
            raise _refuse("writes out more")
        append(part)
    return "".join(kept)


def check_call(func: Any, args: tuple, kwargs: dict) -> None:
    """Before a template calls ``func`` (a method of a value, a global)."""
    target = getattr(func, "__wrapped__", func)  # the sandbox wraps str.format
    owner, name = getattr(target, "__self__", None), getattr(target, "__name__", "")
    if isinstance(owner, str):
        if name in ("format", "format_map"):
            values = (*args, *kwargs.values(), *(args[0].values() if name == "format_map" and args
                                                 and isinstance(args[0], dict) else ()))
            check_format_spec(owner, values)
            check_concat((owner, *values), "formats a value")
            return
        if name == "join" and args:
            check_join(args[0], owner)
            return
        if name == "replace" and len(args) >= 2:
            check_replace(owner, args[0], args[1])
            return
        if name in _WIDTH_METHODS:
            _check_numbers(args, kwargs, f"{name}()")
            return
    if isinstance(owner, (list, dict, set)) and name in _GROWING_METHODS:
        check_concat((owner, *args, *kwargs.values()), f"grows a {type(owner).__name__} with {name}()")
        return
    _check_numbers(args, kwargs, f"{name or 'a function'}()")


def guarded_filter(name: str, func: Callable) -> Callable:
    """``func`` (a filter) with its arguments checked before and its result after."""
    passes = _PassArg.from_obj(func)
    what = f"builds a value with the {name} filter"

    def checked_arguments(value, args, kwargs) -> None:
        if name == "format":
            check_printf(value, args or kwargs)
        elif name == "join":
            check_join(value, args[0] if args else kwargs.get("d", ""))
        elif name == "replace" and len(args) >= 2:
            check_replace(value, args[0], args[1])
        elif args or kwargs:
            _check_numbers(args, kwargs, f"the {name} filter")

    if passes is None:
        @pass_context
        def guarded(context, value, *args, **kwargs):
            checked_arguments(value, args, kwargs)
            return check_result(func(value, *args, **kwargs), what)
    else:
        @pass_context
        def guarded(context, value, *args, **kwargs):
            checked_arguments(value, args, kwargs)
            first = context if passes is _PassArg.context else (
                context.eval_ctx if passes is _PassArg.eval_context else context.environment)
            return check_result(func(first, value, *args, **kwargs), what)

    guarded.__name__ = getattr(func, "__name__", name)
    guarded.__doc__ = func.__doc__
    return guarded
