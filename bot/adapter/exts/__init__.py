"""Features, one extension each; `setup()` of each is loaded by walking this package."""
