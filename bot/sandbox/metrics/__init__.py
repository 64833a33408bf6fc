"""A local tiktok-scraper7 simulator: `world` (videos, accounts, growth), `provider` (the JSON each route
answers), `server` (MetricsSimulator: the HTTP server, its gateway checks and injectable faults)."""

from bot.sandbox.metrics.server import MetricsSimulator, SimRequest
from bot.sandbox.metrics.world import Metrics, SimAccount, SimVideo, SimWorld, stable_int

__all__ = ["Metrics", "MetricsSimulator", "SimAccount", "SimRequest", "SimVideo", "SimWorld", "stable_int"]
