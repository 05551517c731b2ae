"""Facts about Amazon Personalize that the pipeline and the local service share, written once."""
