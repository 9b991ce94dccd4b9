"""docs/api.md's curl walkthrough, run as written against a real gateway, emulator and Redis.

Every ``sh walkthrough`` block runs, in order, in one bash (so ``CODE=...`` and the cookie jars
carry over), with only the addresses changed to this test's servers; each answer ``curl -i``
prints must be the one the page shows under it. The gateways run as ``scripts/dev`` runs them
(plain http, ``GATEWAY_COOKIE_SECURE=false``, the demo brand), so the page shows the local
stack's cookie names.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

from tests.demo import (
    BRAND_NAME,
    CODE_CLIENT,
    CODE_POOL,
    CODE_SECRET,
    MFA_CLIENT,
    MFA_POOL,
    MFA_SECRET,
)
from tests.gateway.drivers import GatewayFactory
from tests.gateway.hooks import EmulatorHooks
from tests.walkthrough import Answer, compare, steps, tagged

MARK = "@@@walkthrough-step"
ADDRESSES = ("GW", "GW_MFA", "GW_CODE", "EMULATOR")



def _with_addresses(text: str, addresses: dict[str, str]) -> str:
    found = set()

    def swap(match: re.Match[str]) -> str:
        found.add(match.group(1))
        return f"{match.group(1)}={addresses[match.group(1)]}"

    replaced = re.sub(rf"^({'|'.join(ADDRESSES)})=\S+", swap, text, flags=re.MULTILINE)
    assert found == set(ADDRESSES), f"the walkthrough no longer sets {set(ADDRESSES) - found}"
    return replaced


def test_the_page_shows_an_answer_for_each_request_and_runs_fetch() -> None:
    paired = steps()
    assert len(paired) >= 15
    for command, answer in paired:
        shows = "curl -si" in command.text
        assert shows == (answer is not None), f"{command}: curl -si needs its answer shown"
    assert len(tagged("js fetch")) >= 2


async def test_the_curl_walkthrough_is_what_the_api_answers(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, tmp_path: Path
) -> None:
    missing = [tool for tool in ("curl", "jq") if shutil.which(tool) is None]
    assert not missing, f"the walkthrough needs {missing} (scripts/test installs them)"
    # As scripts/dev starts them: the demo pool, the pool that requires MFA, custom auth.
    local = {"cookie_secure": "false", "brand_name": BRAND_NAME}
    demo = await make_gateway(**local)
    mfa = await make_gateway(**local, user_pool_id=MFA_POOL, client_id=MFA_CLIENT,
                             client_secret=MFA_SECRET)
    code = await make_gateway(**local, user_pool_id=CODE_POOL, client_id=CODE_CLIENT,
                              client_secret=CODE_SECRET, auth_flow="CUSTOM_AUTH")
    addresses = {"GW": str(demo.make_url("")).rstrip("/"),
                 "GW_MFA": str(mfa.make_url("")).rstrip("/"),
                 "GW_CODE": str(code.make_url("")).rstrip("/"), "EMULATOR": hooks.url}

    paired = steps()
    script = ["set -euo pipefail"]
    for index, (command, _) in enumerate(paired):
        text = _with_addresses(command.text, addresses) if index == 0 else command.text
        script += [f"printf '\\n{MARK} {index}\\n'", text]
    process = await asyncio.create_subprocess_exec(
        "bash", "-c", "\n".join(script), cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    printed = re.split(rf"^{MARK} (\d+)\n", out.decode(), flags=re.MULTILINE)
    outputs = {int(printed[i]): printed[i + 1] for i in range(1, len(printed) - 1, 2)}
    assert process.returncode == 0, (
        f"the walkthrough stopped in {paired[max(outputs, default=0)][0]}: "
        f"{err.decode()[-2000:]}")

    problems = []
    for index, (_, expected) in enumerate(paired):
        if expected is None:
            continue
        found = compare(Answer.parse(expected.text), Answer.parse(outputs[index]))
        problems += [f"{expected}: {problem}" for problem in found]
    assert not problems, "docs/api.md differs from what the API answers:\n" + "\n".join(problems)
