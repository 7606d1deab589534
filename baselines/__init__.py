"""Classical heuristics, exact OR-Tools models and their users of lower bounds."""
__all__: list[str] = []
