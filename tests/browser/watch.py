"""What the browser complained about while a test drove it: console errors, uncaught script
errors and Content-Security-Policy violations, kept across navigations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import BrowserContext, ConsoleMessage, Error, Page

# A CSP violation fires a `securitypolicyviolation` event in the page. The listener is installed
# by Playwright before any page script runs (DevTools evaluates it, so the page's own CSP does not
# apply to it), and hands each event to the test through a binding, which survives navigations
# where a variable in the page would not.
_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.reportCspViolation({
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    sample: event.sample,
    page: document.location.pathname
  });
});
"""


@dataclass
class Watched:
    context: BrowserContext
    page: Page
    console_errors: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)
    violations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def complaints(self) -> list[str]:
        return [*self.console_errors, *self.script_errors,
                *(f"CSP {v['directive']} blocked {v['blocked']} on {v['page']}"
                  for v in self.violations)]


# What the fixtures in conftest.py hand a test: ``serve_gateway(**overrides)`` starts a gateway
# and returns its base URL; ``open_page(base_url, **context_options)`` opens a watched page.
Serve = Callable[..., Awaitable[str]]
OpenPage = Callable[..., Awaitable[Watched]]


async def watch(context: BrowserContext) -> Watched:
    page = await context.new_page()
    watched = Watched(context, page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type in {"error", "warning"}:
            source = message.location.get("url") or page.url
            watched.console_errors.append(f"{message.type}: {message.text} ({source})")

    def on_script_error(error: Error) -> None:
        watched.script_errors.append(f"{error.message} ({page.url})")

    def on_violation(_source: Any, report: dict[str, Any]) -> None:
        watched.violations.append(report)

    page.on("console", on_console)
    page.on("pageerror", on_script_error)
    await context.expose_binding("reportCspViolation", on_violation)
    await context.add_init_script(_REPORT_VIOLATIONS)
    return watched
