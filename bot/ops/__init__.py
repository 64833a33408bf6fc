"""Operating Checkback: Prometheus metrics, the /healthz and /metrics server, and their readings."""
