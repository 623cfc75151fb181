"""Translation between our (symbol, market) keys and Yahoo Finance tickers.

Equities carry an exchange suffix: `.NS` for NSE, `.BO` for BSE; the symbol itself is kept
as the exchange spells it (`M&M.NS`, `BAJAJ-AUTO.NS`) and URL encoding takes care of `&`.

Indices use Yahoo's own tickers, which are not derivable from the index name. The table
below lists the tickers Yahoo Finance publishes for them; note that Yahoo files
NIFTY NEXT 50 under `^NSMIDCP` (a legacy code) and has no caret ticker for the financial
services and midcap 100 indices, which it lists as `.NS` pseudo-symbols.
"""

from __future__ import annotations

from stockapp.market.models import Instrument, Key

EXCHANGE_SUFFIX: dict[str, str] = {"india_nse": ".NS", "india_bse": ".BO"}

# index symbol -> (Yahoo ticker, the market the index belongs to)
INDEX_TICKERS: dict[str, tuple[str, str]] = {
    "NIFTY 50": ("^NSEI", "india_nse"),
    "SENSEX": ("^BSESN", "india_bse"),
    "NIFTY BANK": ("^NSEBANK", "india_nse"),
    "NIFTY IT": ("^CNXIT", "india_nse"),
    "NIFTY AUTO": ("^CNXAUTO", "india_nse"),
    "NIFTY PHARMA": ("^CNXPHARMA", "india_nse"),
    "NIFTY FMCG": ("^CNXFMCG", "india_nse"),
    "NIFTY METAL": ("^CNXMETAL", "india_nse"),
    "NIFTY REALTY": ("^CNXREALTY", "india_nse"),
    "NIFTY FIN SERVICE": ("NIFTY_FIN_SERVICE.NS", "india_nse"),
    "NIFTY NEXT 50": ("^NSMIDCP", "india_nse"),
    "NIFTY MIDCAP 100": ("NIFTY_MIDCAP_100.NS", "india_nse"),
}

_INDEX_BY_TICKER: dict[str, Key] = {
    ticker: (symbol, market) for symbol, (ticker, market) in INDEX_TICKERS.items()
}


def to_yahoo(key: Key, instrument: Instrument | None = None) -> str | None:
    """Yahoo ticker for `key`, or None when Yahoo has no ticker we know of.

    `instrument` (from the universe) settles whether the key is an index; an index missing
    from `INDEX_TICKERS` has no ticker rather than a guessed one.
    """
    symbol, market = key[0].strip().upper(), key[1]
    if symbol in INDEX_TICKERS:
        return INDEX_TICKERS[symbol][0]
    if instrument is not None and instrument.is_index:
        return None
    suffix = EXCHANGE_SUFFIX.get(market)
    if suffix is None or not symbol:
        return None
    return symbol + suffix


def from_yahoo(ticker: str) -> Key | None:
    """Our key for a Yahoo ticker (the reverse of `to_yahoo`), or None if it is foreign."""
    ticker = ticker.strip().upper()
    if ticker in _INDEX_BY_TICKER:
        return _INDEX_BY_TICKER[ticker]
    for market, suffix in EXCHANGE_SUFFIX.items():
        if ticker.endswith(suffix) and len(ticker) > len(suffix):
            return (ticker[: -len(suffix)], market)
    return None
