"""State of the Portfolio page: positions computed once per change of the book, valued live.

The trades are replayed into FIFO positions when the page loads or the book changes, and
kept server-side only (`_positions`). Each tick re-marks them to the hub's latest prices and
sets only display strings; allocations refresh at most every few seconds, and the value
history is computed once per load by a background task so the page never waits for it.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import reflex as rx

from stockapp import formatting as fmt
from stockapp.components.trade_form import TEXT_VARS, TRADE_FIELDS
from stockapp.market.models import Instrument, Key
from stockapp.market.snapshot import MarketSnapshot
from stockapp.pages.portfolio_views import (
    allocations,
    holding_row,
    now_local,
    totals_view,
    trade_from_form,
    trade_row,
)
from stockapp.portfolio import (
    IST,
    ImportError_,
    PortfolioValuation,
    Position,
    holdings_to_csv,
    money,
    trades_to_csv,
    value_at_quotes,
)
from stockapp.portfolio.history import value_over_time
from stockapp.services import portfolio as book
from stockapp.services import quotes
from stockapp.services.instruments import known_equity
from stockapp.settings import get_settings
from stockapp.state.auth import current_user_id
from stockapp.state.combobox import ComboboxMixin
from stockapp.state.live import LiveMixin, live
from stockapp.state.paper_view import PaperViewMixin, refresh_on_fills
from stockapp.state.views import field as view_field
from stockapp.state.views import key_str, views_for

ALLOCATION_REFRESH_SECONDS = 5.0
HISTORY_TABLE_ROWS = 200


def value_at(
    positions: dict[Key, Position], snap: MarketSnapshot
) -> tuple[PortfolioValuation, dict[str, str]]:
    """The book at the snapshot's prices, and those quotes' display rows."""
    valued = value_at_quotes(positions, snap.quotes, datetime.now(UTC))
    return valued, views_for(snap, [k for k, p in positions.items() if p.quantity > 0])


class PortfolioState(PaperViewMixin, ComboboxMixin, LiveMixin, rx.State):
    loaded: bool = False
    trade_count: int = 0
    rows: list[dict[str, str]] = []
    totals: dict[str, str] = {}
    sector_alloc: list[dict[str, Any]] = []
    holding_alloc: list[dict[str, Any]] = []
    history_points: list[dict[str, Any]] = []
    history_status: str = ""  # loading | ready | empty | error
    trades: list[dict[str, str]] = []
    # trade form
    f_symbol: str = ""
    f_market: str = "india_nse"
    f_side: str = "buy"
    f_price: str = ""
    f_qty: str = ""
    f_fees: str = ""
    f_note: str = ""
    f_when: str = ""
    form_error: str = ""
    form_notice: str = ""
    # deletion and import
    confirm_id: str = ""
    confirm_text: str = ""
    delete_error: str = ""
    importing: bool = False
    import_progress: int = 0
    imports_done: int = 0  # keys the file input: a fresh one after each import takes the same file
    import_summary: str = ""
    import_error: str = ""

    _positions: dict[Key, Position] = {}
    _alloc_at: float = 0.0

    # -- loading and live valuation ----------------------------------------------------------
    async def _reload(self, uid: int) -> None:
        # FIFO runs in the worker thread and is cached between trade changes
        trades, self._positions = await self._book_in_view(uid)
        self.trade_count = len(trades)
        self.trades = [trade_row(t) for t in reversed(trades[-HISTORY_TABLE_ROWS:])]
        held = [k for k, p in self._positions.items() if p.quantity > 0]
        live.track(self, held)
        await quotes.fetch_missing(held)  # price anything the hub has not seen yet, once
        self._alloc_at = 0.0
        self._revalue()

    def _valuation(self, snap: MarketSnapshot | None = None) -> tuple[PortfolioValuation, dict]:
        return value_at(self._positions, snap or live.snapshot(self))

    def _revalue(self, snap: MarketSnapshot | None = None) -> None:
        valued, views = self._valuation(snap)
        self.rows = [
            holding_row(h, view_field(views.get(key_str(h.key), ""), "d")) for h in valued.holdings
        ]
        self.totals = totals_view(valued)
        if time.monotonic() - self._alloc_at >= ALLOCATION_REFRESH_SECONDS:
            self._alloc_at = time.monotonic()
            self.sector_alloc, self.holding_alloc = allocations(valued)

    def _apply_live(self, snapshot, changed) -> None:
        self._revalue(snapshot)

    @rx.event
    async def load(self):
        self.form_error = self.form_notice = self.delete_error = ""
        self.import_summary = self.import_error = ""
        self.confirm_id = ""
        if not self.f_when:
            self.f_when = now_local()
        uid = await current_user_id(self)
        if uid is None:
            self._positions, self.rows, self.trades, self.trade_count = {}, [], [], 0
            live.untrack(self)
            return
        await self._reload(uid)
        self.loaded = True
        return PortfolioState.load_history

    @rx.event(background=True)
    async def load_history(self):
        """Daily value of the book over the last year, from each traded instrument's closes."""
        async with self:
            self.history_status = "loading"
            trades = [t for p in self._positions.values() for t in p.trades]
        keys = sorted({t.key for t in trades})
        if not keys or not quotes.available():
            async with self:
                self.history_points, self.history_status = [], "empty"
            return
        results = await asyncio.gather(
            *(quotes.history(k, "1d", "1y") for k in keys), return_exceptions=True
        )
        closes = {
            key: [(bar.t.astimezone(IST).date(), Decimal(str(bar.c))) for bar in bars]
            for key, bars in zip(keys, results, strict=True)
            if not isinstance(bars, BaseException)
        }
        points = await asyncio.to_thread(value_over_time, trades, closes)
        async with self:
            self.history_points = [
                {
                    "day": p.day.isoformat(),
                    "value": float(money(p.value)),
                    "invested": float(money(p.net_invested)),
                }
                for p in points
            ]
            failed = len(closes) < len(keys)
            self.history_status = "ready" if points else ("error" if failed else "empty")

    # -- trade form --------------------------------------------------------------------------
    def _combo_offers(self, inst: Instrument) -> bool:
        return not inst.is_index

    async def _combo_chosen(self, inst: Instrument):
        self.f_symbol = inst.symbol
        await self._prefill_price(force=True)

    async def _combo_typed(self, value: str) -> None:
        """An exact symbol typed is taken as chosen (its live price fills the price)."""
        self.f_symbol = value  # as typed: rewriting it would fight the user's typing
        if known_equity(value.strip().upper(), self.f_market):
            await self._prefill_price(force=False)

    async def _prefill_price(self, *, force: bool) -> None:
        symbol = self.f_symbol.strip().upper()
        if not known_equity(symbol, self.f_market) or (self.f_price and not force):
            return
        quote = await quotes.quote((symbol, self.f_market))
        if quote is not None:
            self.f_price = f"{quote.current_price:.2f}"

    @rx.event
    async def set_market(self, market: str):
        if market in ("india_nse", "india_bse"):
            self.f_market = market
            await self._prefill_price(force=True)

    @rx.event
    def set_side(self, side: str | list[str]):
        if isinstance(side, str) and side in ("buy", "sell"):
            self.f_side = side

    @rx.event
    def set_trade_field(self, var: str, value: str):
        if var in TEXT_VARS:
            setattr(self, var, str(value))

    def _form(self) -> dict[str, str]:
        """The trade form's fields as the person sees them; a typed company name stands for
        the symbol the suggestion list would pick."""
        symbol = self.f_symbol.strip()
        if symbol and not known_equity(symbol.upper(), self.f_market):
            matches = self._combo_matches(symbol)
            symbol = matches[0].symbol if matches else symbol
        return {"symbol": symbol} | {spec.name: getattr(self, spec.var) for spec in TRADE_FIELDS}

    @rx.event
    async def enter_in_last_field(self, key: str, _info: dict | None = None):
        """Enter in the form's last field saves, like a click on Add."""
        if key == "Enter":
            return await self.add_trade()

    @rx.event
    async def add_trade(self):
        self.form_notice = ""
        uid = await current_user_id(self)
        if uid is None:
            self.form_error = "Log in to record trades"
            return
        try:
            trade = trade_from_form(self._form(), self.f_market, self.f_side)
        except ValueError as exc:
            self.form_error = str(exc)
            return
        try:
            await book.add_trade(uid, trade)
        except (book.BookError, book.DuplicateTrade) as exc:
            self.form_error = str(exc)
            return
        self.form_error = ""
        self.form_notice = (
            f"Recorded: {trade.side} {trade.quantity} {trade.symbol} at {fmt.inr(trade.price)}"
        )
        self.f_symbol = ""
        for var in TEXT_VARS:
            setattr(self, var, "")
        self.f_when = now_local()
        self._combo_reset()
        await self._reload(uid)
        return PortfolioState.load_history

    # -- deleting ----------------------------------------------------------------------------
    @rx.event
    def ask_delete(self, trade_id: str):
        row = next((t for t in self.trades if t["id"] == trade_id), None)
        if row is None:
            return
        self.delete_error = ""
        self.confirm_id = trade_id
        self.confirm_text = (
            f"{row['side'].capitalize()} {row['qty']} {row['symbol']} at {row['price']} "
            f"on {row['when']}"
        )

    @rx.event
    def cancel_delete(self):
        self.confirm_id = ""

    @rx.event
    async def confirm_delete(self):
        trade_id, self.confirm_id = self.confirm_id, ""
        uid = await current_user_id(self)
        if uid is None or not trade_id.isdigit():
            return
        try:
            await book.delete_trade(uid, int(trade_id))
        except (book.NotFound, book.BookError) as exc:
            self.delete_error = str(exc)
            return
        self.delete_error = ""
        await self._reload(uid)
        return PortfolioState.load_history

    # -- import and export -------------------------------------------------------------------
    @rx.event
    def upload_progress(self, progress: dict):
        """Upload progress from the browser; the final 100% may arrive after the import."""
        fraction = float(progress.get("progress", 0) or 0)
        if fraction < 1:
            self.importing = True
            self.import_progress = round(fraction * 100)

    @rx.event
    async def import_files(self, files: list[rx.UploadFile]):
        self.import_summary = self.import_error = ""
        uid = await current_user_id(self)
        if uid is None or not files:
            self.importing = False
            return
        self.importing = True
        yield
        upload = files[0]
        limit = get_settings().import_max_bytes
        data = upload.file.read(limit + 1)
        name = upload.filename or "the file"
        try:
            if len(data) > limit:
                raise ImportError_(
                    None, None, f"{name} is larger than the {limit // 1024} KB limit"
                )
            imported, skipped = await book.import_csv(
                uid, data, filename=name, known=known_equity, max_bytes=limit
            )
        except ImportError_ as exc:
            self.import_error = f"Nothing was imported. {exc}"
        else:
            noun = "trade" if imported == 1 else "trades"
            dup = "duplicate" if skipped == 1 else "duplicates"
            self.import_summary = f"Imported {imported} {noun}, skipped {skipped} {dup}"
            await self._reload(uid)
            yield PortfolioState.load_history
        finally:
            self.importing = False
            self.import_progress = 0
            self.imports_done += 1

    @rx.event
    async def export_trades(self):
        uid = await current_user_id(self)
        if uid is None:
            return
        trades = await book.trades(uid)
        return rx.download(data=trades_to_csv(trades), filename="trades.csv", mime_type="text/csv")

    @rx.event
    def export_holdings(self):
        csv_text = holdings_to_csv(self._valuation()[0])
        return rx.download(data=csv_text, filename="holdings.csv", mime_type="text/csv")


refresh_on_fills(PortfolioState)
