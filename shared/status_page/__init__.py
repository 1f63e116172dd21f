"""The status page: one self-contained HTML page (inline CSS and SVG, no script) for the people who run
ordersync — orders per customer by state, what waits (pending, failed, parked) and why, the last runs with
their speed, the last ingests. It shows no order value beyond business key, customer and state. Served by the
``status_page`` HTTP function and locally by ``python -m shared serve``.
"""

from ..common.exports import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "page_data": ("page_data",),
    "render": ("SECURITY_HEADERS", "render_page"),
    "server": ("StatusPageServer", "page_response"),
})
