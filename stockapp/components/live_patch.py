"""Client side of the live rows patch (see stockapp/state/push.py).

Reflex's frontend applies a delta by replacing each var it names. A live frame names
`quotes_rx_state_@merge` instead: a patch holding only the rows that changed. This component
renders nothing; its hook wraps each substate's dispatcher in the frontend's state store
(the same object the socket handler calls, `DispatchContext`) so that a `<var>@merge` entry
is merged into the current value of `<var>` before Reflex's own `applyDelta` runs. Unchanged
rows keep their identity, so only the changed cells re-render.

The wrapping happens during the first render, before the socket connects and long before
the first patch (patches start after the page's `on_load` has been answered); wrapped
dispatchers are marked so a re-render never wraps twice.
"""

from __future__ import annotations

import reflex as rx
from reflex_base.utils.imports import ImportVar
from reflex_base.vars.base import Var
from reflex_components_core.base.fragment import Fragment

from stockapp.state.push import PATCH_SUFFIX

_HOOK = f"""
const livePatchDispatch = useContext(DispatchContext);
const livePatchStore = useContext(StateStoreContext);
if (livePatchDispatch && livePatchStore) {{
  for (const name of Object.keys(livePatchDispatch)) {{
    const apply = livePatchDispatch[name];
    if (typeof apply !== "function" || apply.livePatch) continue;
    const merging = (delta) => {{
      let out;
      for (const key in delta) {{
        if (!key.endsWith("{PATCH_SUFFIX}")) continue;
        const base = key.slice(0, -{len(PATCH_SUFFIX)});
        out ??= {{ ...delta }};
        const current = Object.hasOwn(out, base)
          ? out[base]
          : livePatchStore.getSnapshot(name)?.[base];
        out[base] = {{ ...(current ?? {{}}), ...delta[key] }};
        delete out[key];
      }}
      return apply(out ?? delta);
    }};
    merging.livePatch = true;
    livePatchDispatch[name] = merging;
  }}
}}"""


class _LivePatch(Fragment):
    """Renders nothing; installs the patch-merging dispatchers (see the module docstring)."""

    def add_imports(self) -> dict:
        return {
            "react": [ImportVar(tag="useContext")],
            "$/utils/context-registry": [
                ImportVar(tag="DispatchContext"),
                ImportVar(tag="StateStoreContext"),
            ],
        }

    def add_hooks(self) -> list[str | Var]:
        return [Var(_HOOK, _var_type=str)]


def live_patch() -> rx.Component:
    """Place once per page (the layout does) so live row patches merge into their vars."""
    return _LivePatch.create()
