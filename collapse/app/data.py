"""Your own data on a page: upload, paste or load the example; never stored, never in a link."""

from __future__ import annotations

import hashlib
from pathlib import Path

import streamlit as st

from ..families.text import corpus_from_text
from ..scenario import Scenario
from ..userdata import (
    MAX_NUMBERS,
    MAX_UPLOAD_BYTES,
    numbers_from_bytes,
    text_from_bytes,
)

#: The project's folder (examples/ sits beside collapse/).
REPO_ROOT = Path(__file__).resolve().parents[2]
CUSTOM_WORLDS = {"numbers": "custom", "text": "custom_text", "prose": "custom_prose"}
#: The world a page falls back to when you forget your data.
FALLBACK_WORLDS = {"numbers": "gaussian", "text": "english", "prose": "sherlock"}
EXAMPLES = {"numbers": REPO_ROOT / "examples" / "iris_petal_length.csv",
            "text": REPO_ROOT / "examples" / "gettysburg_and_declaration.txt",
            "prose": REPO_ROOT / "examples" / "gettysburg_and_declaration.txt"}


def user_data(kind: str):
    """This session's uploaded data of a kind ("numbers" or "text"): (data, label, key) or None."""
    return st.session_state.get(f"_user_{kind}")


def data_for(scenario: Scenario) -> tuple[str, object]:
    """(cache key, data) for a scenario: your data for the custom worlds, else nothing."""
    for kind, world in CUSTOM_WORLDS.items():
        if scenario.world == world and user_data(kind):
            data, _, key = user_data(kind)
            return key, data
    return "", None


def data_panel(kind: str, container) -> None:
    """Upload, paste or load the example; on success the world becomes your data.

    Bad input gets a message naming the problem and changes nothing else.
    Data stay in this session's memory: never written to disk, never in a link.
    """
    text_kind = kind in ("text", "prose")
    with container.expander("Your own data", expanded=user_data(kind) is not None):
        st.caption(
            (".txt file or pasted text" if text_kind else "CSV file or a pasted column of numbers")
            + f", up to {MAX_UPLOAD_BYTES // 2**20} MB"
            + ("" if text_kind else f" and {MAX_NUMBERS:,} numbers")
            + ". Your data stay in this browser session: never stored, never in a share link."
        )
        upload = st.file_uploader("Upload a file", type=["txt"] if text_kind else ["csv", "txt", "tsv"],
                                  key=f"upload_{kind}")
        pasted = st.text_area("…or paste " + ("text" if text_kind else "numbers"), key=f"paste_{kind}", height=100)
        example = st.button("Use the example", key=f"example_{kind}",
                            help=f"{EXAMPLES[kind].name}: see examples/README.md for its source")
        forget = st.button("Forget my data", key=f"forget_{kind}", disabled=user_data(kind) is None)
        source = None
        if example:
            source = (EXAMPLES[kind].read_bytes(), EXAMPLES[kind].name)
        elif upload is not None and st.session_state.get(f"_seen_upload_{kind}") != upload.file_id:
            st.session_state[f"_seen_upload_{kind}"] = upload.file_id
            source = (upload.getvalue(), upload.name)
        elif pasted.strip() and st.session_state.get(f"_seen_paste_{kind}") != pasted:
            st.session_state[f"_seen_paste_{kind}"] = pasted
            source = (pasted.encode("utf-8"), "pasted " + ("text" if text_kind else "numbers"))
        if forget:
            st.session_state.pop(f"_user_{kind}", None)
            if st.session_state.get("world") == CUSTOM_WORLDS[kind]:
                st.session_state["world"] = FALLBACK_WORLDS[kind]
        if source is not None:
            raw, name = source
            try:
                data = text_from_bytes(raw) if text_kind else numbers_from_bytes(raw)
                if kind == "prose":
                    corpus_from_text(data)  # long enough to learn and to hold some back?
            except ValueError as err:
                st.error(f"{name}: {err}. Nothing was changed.", icon="⛔")
            else:
                size = f"{len(data.split()):,} words" if text_kind else f"{data.size:,} numbers"
                key = hashlib.sha256(data.encode() if text_kind else data.tobytes()).hexdigest()[:16]
                st.session_state[f"_user_{kind}"] = (data, f"{name} ({size})", key)
                st.session_state["world"] = CUSTOM_WORLDS[kind]
        if user_data(kind):
            st.success(f"In use: {user_data(kind)[1]}", icon="✅")
