"""Local servers that speak Discord's and the metrics API's protocols, for tests, benchmarks and the sandbox."""
