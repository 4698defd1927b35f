"""The quiz engine: answer types, the safe expression parser, equivalence, feedback rules."""
