"""Prompt files (package data, shipped as sre_agent.prompts; see pyproject.toml)."""
