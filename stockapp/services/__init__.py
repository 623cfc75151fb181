"""Typed accessors pages use instead of the runtime.

Pages, components and shared states ask these modules for what they show (market data in
`services.market`) and never import `stockapp.runtime`, the API routers or the hub: the
accessors are the one place that knows where a worker keeps its running services.
"""
