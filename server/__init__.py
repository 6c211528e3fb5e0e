"""The service: a safe expression language and a REST API around the engine."""
