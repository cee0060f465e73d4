"""A Streamlit client without a browser: one session over ``/_stcore/stream``, as a browser tab drives it.

A :class:`Session` opens the websocket, asks for a page (``BackMsg.rerun_script``
with a ``ClientState``), reads the ``ForwardMsg`` stream until the script run
finishes, and keeps every widget's value as the frontend does, so a knob can be
changed by its key (:meth:`Session.set_widget`) and the server reruns the
script with it. It speaks the protobuf messages that the installed
``streamlit`` package ships (``streamlit.proto``), so client and server always
agree on the wire format; it needs no browser and no import of the app.

What the frontend does, and this client copies (checked against Streamlit 1.67):

* First run of a page: ``page_name`` is the page's URL path ("" for the main
  script), ``page_script_hash`` is empty; the page's real hash arrives in the
  ``navigation`` message and is sent back on every later rerun
  (``new_session.page_script_hash`` names the *main* script).
* Widgets arrive as elements whose id ends in ``-<key>``. The client's value
  of a widget is the element's value when the element has ``set_value`` (the
  script set it, e.g. from session state), else the value the client already
  holds, else the element's default. A rerun sends the value of every value
  widget of the last run (buttons and file uploaders send nothing, as in the
  browser until they are used); widgets missing from a finished run are
  forgotten.
* Values on the wire (``WidgetState``): slider ``double_array_value``;
  select_slider (a ``Slider`` element with ``type == SELECT_SLIDER``)
  ``string_array_value`` of the formatted options; selectbox and radio
  ``string_value`` of the formatted option (1.67 sends the option's text, not
  its index); number_input ``int_value`` or ``double_value`` by its data type;
  checkbox and toggle ``bool_value``; text_input and text_area
  ``string_value``; multiselect ``string_array_value``.
* The client keeps no cache of elements, so it sends no
  ``cached_message_hashes`` and the server sends every element in full (a
  ``ref_hash`` message would be a protocol error).

Only addresses on this machine are accepted (127.0.0.1 or localhost).
"""

from __future__ import annotations

import asyncio
import time
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Slider_pb2 import Slider as SliderProto
from streamlit.proto.WidgetStates_pb2 import WidgetState

STREAM_PATH = "/_stcore/stream"
#: The browser's list: the first entry selects the protocol; the second and third carry an
#: XSRF token and a session id on reconnects (no Origin header: the XSRF check does not apply).
SUBPROTOCOLS = ["streamlit", "PLACEHOLDER_AUTH_TOKEN"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
#: Element types drawn as charts.
CHART_TYPES = {"plotly_chart", "vega_lite_chart", "echarts_chart", "deck_gl_json_chart", "graphviz_chart"}
#: Widgets whose value the frontend holds and sends back on every rerun.
VALUE_WIDGETS = {"slider", "selectbox", "radio", "number_input", "checkbox", "text_input", "text_area",
                 "multiselect"}
SLIDER_KINDS = {"slider", "select_slider"}
STATUS = ForwardMsg.ScriptFinishedStatus


class ProtocolError(RuntimeError):
    """The server sent something this client cannot follow, or a knob cannot take a value."""


def require_local(url: str) -> None:
    """Refuse any address off this machine: the benchmark must never load a remote server."""
    host = urlsplit(url).hostname
    if host not in LOCAL_HOSTS:
        raise ValueError(f"only 127.0.0.1 or localhost may be driven, not {host!r} ({url})")


def widget_key(element_id: str) -> str | None:
    """The user key of a widget id ``$$ID-<hash>-<key>`` (None for widgets without a key)."""
    parts = element_id.split("-", 2)
    if len(parts) < 3 or parts[0] != "$$ID" or parts[2] == "None":
        return None
    return parts[2]


@dataclass
class Widget:
    """One widget of the current page: its element as last received and the value the client holds."""

    id: str
    key: str | None
    kind: str  # element type; "select_slider" for a Slider element of type SELECT_SLIDER
    element: Any  # the widget's protobuf (Slider, Selectbox, ...)
    state: WidgetState | None  # what a rerun sends; None: nothing (e.g. a selectbox with no selection)
    order: int = 0  # position in the run that last drew it (the sidebar comes first for each run)

    @property
    def disabled(self) -> bool:
        return bool(getattr(self.element, "disabled", False))

    @property
    def options(self) -> list[str]:
        return list(getattr(self.element, "options", []))

    def value(self) -> Any:
        """The held value as Python data: floats, option texts, a number, a bool or a text."""
        if self.state is None:
            return None
        which = self.state.WhichOneof("value")
        held = getattr(self.state, which)
        if which in ("double_array_value", "string_array_value", "int_array_value"):
            values = list(held.data)
            return values[0] if len(values) == 1 and self.kind in SLIDER_KINDS else values
        return held


def _state(widget_id: str, **value) -> WidgetState:
    state = WidgetState(id=widget_id)
    (name, data), = value.items()
    if name in ("double_array_value", "string_array_value"):
        array = getattr(state, name)
        array.SetInParent()  # an empty array is a value too (a multiselect with nothing chosen)
        array.data.extend(data)
    else:
        setattr(state, name, data)
    return state


def element_state(kind: str, element: Any) -> WidgetState | None:
    """The value the frontend holds for a newly drawn widget (the element's value if set, else its default)."""
    wid, set_value = element.id, element.set_value
    if kind == "slider":
        return _state(wid, double_array_value=list(element.value if set_value else element.default))
    if kind == "select_slider":
        if set_value and element.raw_value:
            return _state(wid, string_array_value=list(element.raw_value))
        return _state(wid, string_array_value=[element.options[int(i)] for i in element.default])
    if kind in ("selectbox", "radio"):
        if set_value:
            return _state(wid, string_value=element.raw_value) if element.HasField("raw_value") else None
        if element.HasField("default") and element.options:
            return _state(wid, string_value=element.options[element.default])
        return None
    if kind == "number_input":
        source = "value" if set_value and element.HasField("value") else "default"
        if not element.HasField(source):
            return None
        number = getattr(element, source)
        if element.data_type == element.INT:
            return _state(wid, int_value=int(number))
        return _state(wid, double_value=float(number))
    if kind == "checkbox":
        return _state(wid, bool_value=element.value if set_value else element.default)
    if kind in ("text_input", "text_area"):
        source = "value" if set_value and element.HasField("value") else "default"
        return _state(wid, string_value=getattr(element, source)) if element.HasField(source) else None
    if kind == "multiselect":
        if set_value:
            return _state(wid, string_array_value=list(element.raw_values))
        return _state(wid, string_array_value=[element.options[int(i)] for i in element.default])
    return None


def option_text(widget: Widget, value: Any) -> str:
    """The option of a select widget meant by ``value``: its text, its index, or a number as the app shows it."""
    options = widget.options
    if isinstance(value, str) and value in options:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and widget.kind in ("selectbox", "radio") \
            and 0 <= value < len(options):
        return options[value]
    for text in (str(value), f"{value:,}" if isinstance(value, (int, float)) else None):
        if text in options:
            return text
    raise ProtocolError(f"widget {widget.key!r}: {value!r} is none of its options {options[:12]}")


def new_state(widget: Widget, value: Any) -> WidgetState:
    """The ``WidgetState`` a user's change of ``widget`` to ``value`` sends."""
    kind, wid = widget.kind, widget.id
    if kind == "slider":
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        return _state(wid, double_array_value=[float(v) for v in values])
    if kind == "select_slider":
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        return _state(wid, string_array_value=[option_text(widget, v) for v in values])
    if kind in ("selectbox", "radio"):
        return _state(wid, string_value=option_text(widget, value))
    if kind == "number_input":
        if widget.element.data_type == widget.element.INT:
            return _state(wid, int_value=int(value))
        return _state(wid, double_value=float(value))
    if kind == "checkbox":
        return _state(wid, bool_value=bool(value))
    if kind in ("text_input", "text_area"):
        return _state(wid, string_value=str(value))
    if kind == "multiselect":
        return _state(wid, string_array_value=[option_text(widget, v) for v in value])
    raise ProtocolError(f"widget {widget.key!r} of kind {kind} cannot be set by this client")


@dataclass
class RunResult:
    """One action: a page load or a rerun, from sending the ``BackMsg`` to ``script_finished``."""

    action: str  # "load" or "rerun"
    page: str
    seconds: float = float("nan")
    status: str = "pending"  # ok | exception | compile_error | page_not_found | timeout | disconnected | protocol
    charts: int = 0
    #: CRC-32 of every chart's spec in order: equal digests mean the same charts were drawn.
    chart_digest: int = 0
    exceptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # exception elements marked is_warning
    error_alerts: list[str] = field(default_factory=list)  # st.error boxes (the app's refusals)
    problems: list[str] = field(default_factory=list)  # protocol surprises: ref_hash, page_not_found, ...
    query_string: str = ""  # the address the app wrote (page_info_changed), or the one sent
    bytes_received: int = 0
    messages: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def describe(self) -> str:
        """A one-line reason for a failed action."""
        detail = (self.exceptions + self.problems)[:1]
        return f"{self.action} {self.page or '(main)'}: {self.status}" + (f" ({detail[0][:160]})" if detail else "")


class Session:
    """One Streamlit session (one browser tab) over a websocket.

    Parameters
    ----------
    base_url : str
        ``http://127.0.0.1:PORT`` of a server or a load balancer on this machine.
    timeout : float
        Seconds an action may take before it counts as timed out (the session is then unusable).
    source_address : str or None
        Local address to connect from (any 127.x.y.z): sessions from different addresses
        spread over the replicas behind an ``ip_hash`` load balancer.
    """

    def __init__(self, base_url: str, *, timeout: float = 120.0, source_address: str | None = None):
        require_local(base_url)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.source_address = source_address
        self.page_name = ""
        self.query_string = ""
        self.page_script_hash = ""  # the current page's hash, from the navigation message
        self.main_script_hash = ""
        self.pages: dict[str, str] = {}  # url path -> page hash, from the navigation message
        self.widgets: dict[str, Widget] = {}  # by widget id, in the order drawn
        self.closed_reason: str | None = None
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._run: RunResult | None = None
        self._done: asyncio.Future | None = None
        self._seen_this_run: set[str] = set()
        self._started = 0.0
        self._order = 0

    # -- connection ---------------------------------------------------------------------------
    async def connect(self) -> None:
        """Open the websocket (no pings and no size limit: a browser sends none and takes any message)."""
        url = "ws" + self.base_url[len("http"):] + STREAM_PATH
        extra = {"local_addr": (self.source_address, 0)} if self.source_address else {}
        self._ws = await websockets.connect(url, subprotocols=SUBPROTOCOLS, max_size=None, ping_interval=None,
                                            open_timeout=self.timeout, close_timeout=2, **extra)
        if self._ws.subprotocol != "streamlit":
            raise ProtocolError(f"server selected subprotocol {self._ws.subprotocol!r}, not 'streamlit'")
        self._reader = asyncio.create_task(self._read(), name="streamlit-session-reader")

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - closing anyway
                pass

    async def __aenter__(self) -> Session:
        await self.connect()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    @property
    def usable(self) -> bool:
        """False once the connection closed or an action timed out (its run may still be going)."""
        return self.closed_reason is None

    # -- actions ------------------------------------------------------------------------------
    async def load(self, page: str = "", query: str = "") -> RunResult:
        """Open ``page`` (its URL path; "" for the main page) with ``query`` as a new tab does."""
        self.page_name, self.query_string = page, query.lstrip("?")
        self.widgets.clear()
        # a page this session has not been told about is asked for by name; the server answers with its hash
        return await self._rerun("load", page_hash=self.pages.get(page, ""))

    async def set_widget(self, key: str, value: Any) -> RunResult:
        """Change the widget keyed ``key`` to ``value`` as a user does, and wait for the rerun to finish."""
        widget = self.widget(key)
        widget.state = new_state(widget, value)
        return await self._rerun("rerun", page_hash=self.page_script_hash)

    async def rerun(self) -> RunResult:
        """Rerun the current page with every widget as it is (the "Rerun" menu entry)."""
        return await self._rerun("rerun", page_hash=self.page_script_hash)

    def widget(self, key: str) -> Widget:
        for widget in self.widgets.values():
            if widget.key == key:
                return widget
        raise KeyError(f"no widget with key {key!r} on page {self.page_name!r}; "
                       f"keys: {sorted(w.key for w in self.widgets.values() if w.key)}")

    def find_widget(self, key: str) -> Widget | None:
        try:
            return self.widget(key)
        except KeyError:
            return None

    def query_params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query_string, keep_blank_values=True))

    def _client_state(self, page_hash: str):
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query_string
        state.page_name = self.page_name
        state.page_script_hash = page_hash
        state.widget_states.widgets.extend(w.state for w in self.widgets.values() if w.state is not None)
        info = state.context_info
        info.url = f"{self.base_url}/{self.page_name}" + (f"?{self.query_string}" if self.query_string else "")
        info.timezone, info.timezone_offset, info.locale, info.color_scheme = "UTC", 0, "en-US", "light"
        return message

    async def _rerun(self, action: str, page_hash: str) -> RunResult:
        result = RunResult(action=action, page=self.page_name, query_string=self.query_string)
        if not self.usable:
            result.status = "disconnected"
            result.problems.append(f"session unusable: {self.closed_reason}")
            return result
        if self._done is not None:
            raise ProtocolError("one action at a time per session")
        loop = asyncio.get_running_loop()
        self._run, self._done = result, loop.create_future()
        self._seen_this_run, self._order = set(), 0
        payload = self._client_state(page_hash).SerializeToString()
        self._started = time.perf_counter()
        try:
            await self._ws.send(payload)
            await asyncio.wait_for(asyncio.shield(self._done), timeout=self.timeout)
        except TimeoutError:
            result.status = "timeout"
            result.seconds = time.perf_counter() - self._started
            result.problems.append(f"no script_finished within {self.timeout:g} s")
            self.closed_reason = "an action timed out"
        except websockets.ConnectionClosed as err:
            result.status = "disconnected"
            result.problems.append(f"connection closed: {err}")
            self.closed_reason = "connection closed"
        finally:
            self._run, self._done = None, None
        return result

    # -- the ForwardMsg stream ----------------------------------------------------------------
    async def _read(self) -> None:
        try:
            async for data in self._ws:
                message = ForwardMsg.FromString(data)
                if self._run is not None:
                    self._run.bytes_received += len(data)
                    self._run.messages += 1
                self._handle(message)
        except websockets.ConnectionClosed as err:
            self._lost(f"connection closed: {err}")
        except Exception as err:  # reported as the action's failure, then raised
            self._lost(f"{type(err).__name__}: {err}")
            raise
        else:
            self._lost("connection closed by the server")

    def _lost(self, reason: str) -> None:
        self.closed_reason = self.closed_reason or reason
        if self._run is not None and self._done is not None and not self._done.done():
            self._run.status = "disconnected"
            self._run.problems.append(reason)
            self._done.set_result(None)

    def _handle(self, message: ForwardMsg) -> None:
        kind = message.WhichOneof("type")
        run = self._run
        if kind == "new_session":
            # every script run starts with one; after st.rerun() the page is drawn afresh
            self.main_script_hash = message.new_session.main_script_hash
            if run is not None:
                run.charts, run.chart_digest = 0, 0
                self._seen_this_run, self._order = set(), 0
        elif kind == "navigation":
            self.page_script_hash = message.navigation.page_script_hash
            self.pages = {p.url_pathname: p.page_script_hash for p in message.navigation.app_pages}
        elif kind == "page_info_changed":
            self.query_string = message.page_info_changed.query_string
        elif kind == "delta":
            delta = message.delta
            which = delta.WhichOneof("type")
            if which == "new_element":
                self._element(delta.new_element)
            elif which == "new_transient":
                for element in delta.new_transient.elements:
                    self._element(element)
        elif kind == "session_event":
            event = message.session_event
            if event.WhichOneof("type") == "script_compilation_exception" and run is not None:
                exc = event.script_compilation_exception
                run.exceptions.append(f"{exc.type}: {exc.message}")
        elif kind == "page_not_found" and run is not None:
            run.problems.append(f"page not found: {message.page_not_found.page_name!r}")
        elif kind == "ref_hash" and run is not None:
            run.problems.append("ref_hash received although no cached_message_hashes were sent")
        elif kind == "script_finished":
            self._finished(message.script_finished)

    def _element(self, element) -> None:
        run = self._run
        kind = element.WhichOneof("type")
        if kind is None:
            return
        proto = getattr(element, kind)
        if run is not None:
            if kind in CHART_TYPES:
                run.charts += 1
                spec = getattr(proto, "spec", "") or str(proto)
                run.chart_digest = zlib.crc32(spec.encode() if isinstance(spec, str) else spec, run.chart_digest)
            elif kind == "exception":
                text = f"{proto.type}: {proto.message}"
                (run.warnings if proto.is_warning else run.exceptions).append(text)
            elif kind == "alert" and proto.format == proto.ERROR:
                run.error_alerts.append(proto.body)
        if kind == "slider" and proto.type == SliderProto.SELECT_SLIDER:
            kind = "select_slider"
        if kind not in VALUE_WIDGETS and kind != "select_slider":
            return
        widget = self.widgets.get(proto.id)
        if widget is None or proto.set_value:
            state = element_state(kind, proto)
        else:
            state = widget.state  # the frontend keeps its own value unless the script sets one
        self.widgets[proto.id] = Widget(proto.id, widget_key(proto.id), kind, proto, state, order=self._order)
        self._order += 1
        self._seen_this_run.add(proto.id)

    def _finished(self, status: int) -> None:
        run, done = self._run, self._done
        if status == STATUS.FINISHED_EARLY_FOR_RERUN:
            return  # the script asked for a rerun (or was interrupted): the next run follows
        if status == STATUS.FINISHED_SUCCESSFULLY:
            # the frontend forgets widgets the finished run did not draw
            self.widgets = {wid: w for wid, w in sorted(self.widgets.items(), key=lambda item: item[1].order)
                            if wid in self._seen_this_run}
        if run is None or done is None or done.done():
            return
        run.seconds = time.perf_counter() - self._started
        run.query_string = self.query_string
        if status == STATUS.FINISHED_WITH_COMPILE_ERROR:
            run.status = "compile_error"
        elif run.exceptions:
            run.status = "exception"
        elif any(p.startswith("page not found") for p in run.problems):
            run.status = "page_not_found"
        elif run.problems:
            run.status = "protocol"
        else:
            run.status = "ok"
        done.set_result(None)


async def discover_pages(base_url: str, timeout: float = 60.0) -> list[str]:
    """The URL paths of the app's pages, as the server lists them in its ``navigation`` message."""
    async with Session(base_url, timeout=timeout) as session:
        result = await session.load("")
        if not session.pages:
            raise ProtocolError(f"no navigation message on loading the main page ({result.describe()})")
        return list(session.pages)
