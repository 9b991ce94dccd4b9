"""Jinja2 pages: autoescaped, strict about undefined names, overridable from a directory.

Teams brand the pages by pointing ``GATEWAY_TEMPLATE_DIR`` at a folder: any template found
there wins over ours, the rest fall back to the defaults.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from gateway.config import BrandingSettings, CognitoSettings

STATIC_DIR = Path(__file__).parent / "static"
_PACKAGE = Path(__file__).parent.parent  # gateway/


def default_template_dir() -> Path:
    packaged = _PACKAGE / "templates"  # inside a wheel
    return packaged if packaged.is_dir() else _PACKAGE.parent / "templates"


def _static_versions() -> dict[str, str]:
    # Content hashes in static URLs let browsers cache them for long and still see changes.
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        for path in STATIC_DIR.iterdir()
        if path.is_file()
    }


def breakable(value: object) -> Markup:
    """An email address, a username, a masked destination, with places to wrap (``<wbr>``)
    after its ``@`` and before each ``.``: on a narrow screen it wraps between its parts
    rather than in the middle of one."""
    # Markup's replace escapes what it is given unless it is markup: only <wbr> goes in raw.
    return escape(value).replace("@", Markup("@<wbr>")).replace(".", Markup("<wbr>."))


def fill(sentence: str, **parts: object) -> Markup:
    """A catalog sentence with its placeholders filled by markup (``breakable`` values): the
    sentence is escaped, and the parts are escaped unless they are markup already."""
    return escape(sentence).format(**parts)


class Pages:
    def __init__(self, branding: BrandingSettings, cognito: CognitoSettings,
                 sign_up: bool = False) -> None:
        directories = [default_template_dir()]
        if branding.template_dir is not None:
            directories.insert(0, branding.template_dir)
        self._env = Environment(
            loader=ChoiceLoader([FileSystemLoader(str(d)) for d in directories]),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        versions = _static_versions()
        self._env.filters.update(breakable=breakable, fill=fill)
        self._env.globals.update(
            brand={
                "name": branding.name,
                "logo_url": branding.logo_url,
                "color": branding.color,
            },
            static=lambda name: f"/static/{name}?v={versions.get(name, '0')}",
            advanced_security={
                "script_url": cognito.advanced_security_script_url,
                "user_pool_id": cognito.user_pool_id,
                "client_id": cognito.client_id,
            },
            password_policy=branding.password_policy,
            asks_password=cognito.asks_password,
            passkeys=cognito.auth_flow == "USER_AUTH",
            sign_up=sign_up,
        )

    def render(self, template: str | Sequence[str], context: Mapping[str, Any]) -> str:
        """Render ``template``, or the first of several that exists (a custom challenge's own
        template, then the default form)."""
        names = [template] if isinstance(template, str) else list(template)
        return self._env.select_template(names).render(context)
