"""LLM brains: Bedrock (default), Anthropic, or any OpenAI-compatible endpoint driving the same
graph, tools and safety gates as the offline brain. `factory.make_llm_brain` builds one from the
`llm` settings (settings.py); the package itself imports nothing, so reading the settings does not
load the provider SDKs."""
