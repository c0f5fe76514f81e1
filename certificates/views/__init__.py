"""Certificate pages: the learner's documents, the signed credential, the transcripts."""
