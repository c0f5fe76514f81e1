"""Certificate pages: the learner's documents (``documents``) and the signed credential."""
