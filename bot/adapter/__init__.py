"""The Discord adapter: translates gateway events and interactions to core calls and back."""
