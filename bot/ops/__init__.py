"""Operations: health checks, Prometheus metrics and log correlation for `hamroh serve`."""
