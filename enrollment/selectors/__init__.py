"""Reads (HackSoft style): query functions that return data for pages and exports; no writes."""
