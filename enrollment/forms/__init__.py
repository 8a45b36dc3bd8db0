"""Forms per area: validation of what people type, before a service writes."""
