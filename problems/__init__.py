"""Problem types: the plugin contract, the registry and the shipped problems."""
