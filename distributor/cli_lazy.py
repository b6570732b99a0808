"""The click command behind `distributor`, each subcommand built only when it is named.

typer turns every command function into a click command by reading its
signature and type hints; doing that for all ~40 commands and groups at every
start costs about as much as a command's own work (`queue add` needs one of
them). Here the groups keep typer's registrations as they are and build a
subcommand on first use: running a command builds the groups on its path and
itself; `--help` builds the commands it lists (their help text), not the
subgroups' commands. ``typer.main.get_command(app)`` (what typer's test runner
calls) still builds everything at once, the same commands.

Written here because typer has no lazy loading of its own; click's documented
recipe (a group overriding ``get_command`` and ``list_commands``) is what this is.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, MutableMapping

import typer
from typer.core import TyperGroup
from typer.main import TyperInfo, get_command_from_info, get_command_name, get_group_from_info, solve_typer_info_defaults


class BuiltOnUse(MutableMapping):
    """name -> click command, each made by its builder the first time it is looked up (in registration order)."""

    def __init__(self, builders: dict[str, Callable[[], object]]):
        self._builders = dict(builders)
        self._built: dict[str, object] = {}

    def __getitem__(self, name: str):
        if name not in self._built:
            self._built[name] = self._builders[name]()  # KeyError for a name nobody registered
        return self._built[name]

    def __setitem__(self, name: str, command) -> None:
        self._builders.setdefault(name, lambda: command)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._builders[name]
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._builders)

    def __len__(self) -> int:
        return len(self._builders)


class LazyGroup(TyperGroup):
    """typer's group, listing its subcommands by name without building them."""

    def list_commands(self, ctx) -> list[str]:
        return list(self.commands)  # typer's own reads .items(), which would build every one


def lazy_command(app: typer.Typer) -> TyperGroup:
    """The click group ``app(...)`` would run, its subcommands (and theirs) built on first use."""
    return _lazy_group(TyperInfo(app), pretty_exceptions_short=app.pretty_exceptions_short,
                       rich_markup_mode=app.rich_markup_mode, suggest_commands=app.suggest_commands)


def _lazy_group(info: TyperInfo, **options) -> TyperGroup:
    app = info.typer_instance
    if solve_typer_info_defaults(info).cls not in (None, TyperGroup):  # a group class of its own: typer's way
        return get_group_from_info(info, **options)
    builders: dict[str, Callable[[], object]] = {}
    for command_info in app.registered_commands:  # typer's order: the commands, then the groups
        name = command_info.name or get_command_name(command_info.callback.__name__)
        builders[name] = _command_builder(command_info, options)
    for group_info in app.registered_groups:
        name = solve_typer_info_defaults(group_info).name
        if not name:  # add_typer without a name merges its commands: leave that to typer
            return get_group_from_info(info, **options)
        builders[name] = _group_builder(group_info, options)
    shell = copy.copy(app)  # typer's group for the app alone (its callback, options, help)...
    shell.registered_commands, shell.registered_groups = [], []
    own = copy.copy(info)
    own.typer_instance, own.cls = shell, LazyGroup
    group = get_group_from_info(own, **options)
    group.commands = BuiltOnUse(builders)  # ...with its subcommands to be built when named
    return group


def _command_builder(command_info, options) -> Callable[[], object]:
    return lambda: get_command_from_info(command_info, pretty_exceptions_short=options["pretty_exceptions_short"],
                                         rich_markup_mode=options["rich_markup_mode"])


def _group_builder(group_info: TyperInfo, options) -> Callable[[], object]:
    return lambda: _lazy_group(group_info, **options)
