"""Small helpers shared by `bot` and `hotline_router` (which does not import `bot`):
the one token bucket (`shared.ratelimit`) and the one percentile helper (`shared.stats`)."""
