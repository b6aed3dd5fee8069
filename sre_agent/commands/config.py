"""`sre-agent config show|check|example|docs`: what configuration is in effect, and whether it is valid."""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer
import yaml

from ..app.settings import CONFIG_FILE_ENV, ENV_PREFIX, Settings, config_file_path, env_var
from ..app.settings_docs import example_yaml, reference_markdown
from .common import config_file_of, settings_for

app = typer.Typer(help="Show and check sre-agent's configuration (flags > environment > config file > defaults).",
                  no_args_is_help=True)


def known_env_vars() -> set[str]:
    names = {CONFIG_FILE_ENV}
    for name, field in Settings.model_fields.items():
        section = field.annotation
        if isinstance(section, type) and hasattr(section, "model_fields"):
            names |= {env_var(name, sub) for sub in section.model_fields}
        else:
            names.add(env_var(name))
    return names


@app.command()
def show(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="JSON instead of YAML.")] = False) -> None:
    """Print the settings in effect (secrets masked)."""
    values = settings_for(ctx).model_dump(mode="json")
    print(json.dumps(values, indent=2) if as_json else yaml.safe_dump(values, sort_keys=False), end="" if not as_json else "\n")


@app.command()
def check(ctx: typer.Context) -> None:
    """Validate the config file and SRE_AGENT_* variables; exit 2 when something is wrong.

    Also warns about SRE_AGENT_* variables that configure nothing (a typo, or a name from an older release)."""
    settings = settings_for(ctx)
    source = config_file_path(config_file_of(ctx))
    unknown = sorted(n for n in os.environ if n.startswith(ENV_PREFIX) and n not in known_env_vars()
                     and not n.startswith(f"{ENV_PREFIX}TEST_"))
    for name in unknown:
        typer.secho(f"warning: {name} is set but configures nothing; see `sre-agent config show` "
                    "or docs/configuration.md for the known settings", fg=typer.colors.YELLOW, err=True)
    print(f"configuration ok ({f'config file {source}' if source else 'no config file'}; brain {settings.brain}, "
          f"remediation {settings.policy.remediation}, state dir {settings.state_dir})")


@app.command()
def example() -> None:
    """Print a commented config file with every setting at its default (infra/config/sre-agent.example.yaml)."""
    print(example_yaml(), end="")


@app.command()
def docs() -> None:
    """Print the settings reference (the sre-agent part of docs/configuration.md)."""
    print(reference_markdown(), end="")
