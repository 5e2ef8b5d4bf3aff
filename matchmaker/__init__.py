"""matchmaker: an industry-chain matchmaking recommender.

Data flows one way: files -> ingest -> store -> (embed, chain) -> score -> recommend ->
app/CLI. Events and deals write back through the store; reports read from it.
"""

__version__ = "0.1.0"
