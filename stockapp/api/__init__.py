"""The public REST API (/api/v1) and the /ws live-price WebSocket."""
